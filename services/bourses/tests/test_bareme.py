"""The barème as yearly data: every ceiling is an edge (exactly the ceiling
keeps the échelon, one euro more drops to the next), 8 children and more share
the last column, a household above every ceiling gets nothing; a wrong barème
is refused whole."""
import pytest
from sqlalchemy import func, select

from common.errors import ValidationError
from services.bourses import bareme
from services.bourses.models import BaremeEchelon
from services.bourses.tests.conftest import ANNEE, IN_CAMPAIGN, LYCEE_UAI, bareme_file, child, form

# The published 2024-2025 figures (domain sheet), as a person reads them:
# échelon -> (amount, ceilings for 1..8+ children).
COLLEGE_2024 = {
    1: (114, [17927, 22064, 26201, 30338, 34476, 38613, 42750, 46886]),
    2: (315, [9691, 11928, 14164, 16401, 18637, 20873, 23110, 25346]),
    3: (495, [3419, 4208, 4997, 5786, 6576, 7365, 8154, 8943]),
}
LYCEE_2024_AMOUNTS = {1: 474, 2: 582, 3: 687, 4: 792, 5: 897, 6: 1008}


def test_the_data_file_holds_the_published_figures(loaded):
    got = loaded.get_bareme(ANNEE, "college")["echelons"]
    assert {e["echelon"]: (e["montant_annuel"], e["plafonds"]) for e in got} == COLLEGE_2024
    assert {e["echelon"]: e["montant_annuel"] for e in loaded.get_bareme(ANNEE, "lycee")["echelons"]} \
        == LYCEE_2024_AMOUNTS
    assert loaded.get_bareme(ANNEE, "lycee")["echelons"][5]["montant_annuel_texte"] == "1\u00a0008\u00a0€"


@pytest.mark.parametrize("niveau", ["college", "lycee"])
def test_every_ceiling_is_an_edge_in_every_column(loaded, bourses_db, niveau):
    rows = bareme.rows(bourses_db, ANNEE, niveau)
    checked = 0
    for row in rows:
        below = next((r for r in rows if r.echelon == row.echelon - 1), None)
        for enfants in range(1, 9):
            plafond = row.plafonds[enfants - 1]
            assert bareme.echelon_for(rows, plafond, enfants) == (row.echelon, row.montant_annuel), \
                (row.echelon, enfants)
            expected_above = (below.echelon, below.montant_annuel) if below else (None, 0)
            assert bareme.echelon_for(rows, plafond + 1, enfants) == expected_above, (row.echelon, enfants)
            checked += 1
    assert checked == len(rows) * 8


def test_eight_children_and_more_share_the_last_column(loaded, bourses_db):
    rows = bareme.rows(bourses_db, ANNEE, "college")
    assert bareme.echelon_for(rows, 46886, 8) == (1, 114)
    assert bareme.echelon_for(rows, 46886, 12) == (1, 114)
    assert bareme.echelon_for(rows, 46887, 12) == (None, 0)
    # 7 children have a lower ceiling than 8: the column matters.
    assert bareme.echelon_for(rows, 46886, 7) == (None, 0)


def test_a_household_above_every_ceiling_is_told_no_bourse_is_due(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    demande = loaded.submit(child(uai=LYCEE_UAI), form(revenu_fiscal_reference="90 000", enfants_a_charge="8"),
                            {"prenom": "A", "nom": "B", "email": None}, {"prenom": "C", "nom": "B"})
    assert (demande["estimation_echelon"], demande["estimation_montant"]) == (None, 0)
    assert "dépassent le plafond de l'échelon 1" in demande["estimation_texte"]


def test_the_estimate_at_filing_reads_the_ceiling_exactly(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    at_ceiling = loaded.submit(child(1), form(revenu_fiscal_reference="4 208", enfants_a_charge="2"), {}, {})
    one_more = loaded.submit(child(2), form(revenu_fiscal_reference="4 209", enfants_a_charge="2"), {}, {})
    assert (at_ceiling["estimation_echelon"], at_ceiling["estimation_montant"]) == (3, 495)
    assert (one_more["estimation_echelon"], one_more["estimation_montant"]) == (2, 315)
    assert at_ceiling["estimation_texte"] == ("Échelon 3, soit 495\u00a0€ par an, versés en trois fois "
                                              "(un versement par trimestre).")


def test_a_couple_in_vie_maritale_adds_both_notices(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    demande = loaded.submit(child(), form(situation="vie_maritale", revenu_fiscal_reference="6 000",
                                          revenu_fiscal_reference_2="5 928"), {}, {})
    assert demande["ressources"] == 11928
    assert demande["estimation_echelon"] == 2
    single = loaded.submit(child(2), form(situation="maries_pacses", revenu_fiscal_reference="6 000",
                                          revenu_fiscal_reference_2="5 928"), {}, {})
    assert single["ressources"] == 6000 and single["revenu_fiscal_reference_2"] is None


def _count(db):
    return db.scalar(select(func.count()).select_from(BaremeEchelon))


def _college(**changes):
    rows = [dict(r) for r in bareme_file()[(ANNEE, "college")]]
    for echelon, change in changes.items():
        rows[int(echelon[1:]) - 1].update(change)
    return rows


@pytest.mark.parametrize("echelons, message", [
    (_college()[:2], "La bourse de collège compte 3 échelons, numérotés de 1 à 3, chacun une fois."),
    (_college(e2={"plafonds": [9691, 11928]}),
     "Échelon 2 : 8 plafonds attendus (1 enfant à charge, 2, … 8 et plus), 2 donnés."),
    (_college(e3={"plafonds": [3419, 4208, 4997, 5786, 6576, 7365, 8154, 30000]}),
     "Échelon 3, 8 enfants et plus : le plafond doit être inférieur à celui de l'échelon 2."),
    (_college(e1={"plafonds": [17927, 16000, 26201, 30338, 34476, 38613, 42750, 46886]}),
     "Échelon 1 : le plafond pour 2 enfants est inférieur à celui pour 1 enfant."),
    (_college(e2={"montant_annuel": 100}), "Échelon 2 : le montant doit être supérieur à celui de l'échelon 1."),
    (_college(e1={"montant_annuel": -5}), "Échelon 1 : montant annuel invraisemblable (-5 €)."),
])
def test_a_wrong_barème_is_refused_whole_and_the_loaded_one_stays(loaded, bourses_db, echelons, message):
    before = loaded.get_bareme(ANNEE, "college")
    count = _count(bourses_db)
    with pytest.raises(ValidationError) as exc:
        loaded.load_bareme(ANNEE, "college", echelons)
    assert message.replace(" :", "\u00a0:") in exc.value.errors["echelons"]
    assert loaded.get_bareme(ANNEE, "college") == before
    assert _count(bourses_db) == count


def test_a_barème_is_per_year_and_a_new_year_is_loaded_beside(loaded):
    rows = [dict(r, plafonds=[p + 100 for p in r["plafonds"]]) for r in bareme_file()[(ANNEE, "college")]]
    loaded.load_bareme(ANNEE + 1, "college", rows)
    assert loaded.get_bareme(ANNEE + 1, "college")["echelons"][0]["plafonds"][0] == 18027
    assert loaded.get_bareme(ANNEE, "college")["echelons"][0]["plafonds"][0] == 17927
    assert loaded.get_bareme(ANNEE + 2, "college")["echelons"] == []
