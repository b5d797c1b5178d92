"""Issue 16 §§ 2–6 and 9: only the parts with data get a tile; Enseignements
per year with averages, distribution and competences; the exam opinion of the
current year only (never last year's for a student repeating terminale), its
distribution summing to 100; Scolarité since 6e with repeated years; access
until 5 months after leaving, said before; the menu entry only in an opened
lycée, for a student who has a livret."""
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import event

from common.clock import PARIS
from common.errors import NotFound
from services.lsl.exceptions import AccessEnded, LslClosed
from services.lsl.tests.conftest import LYCEE, OTHER_LYCEE, all_years, annee, child, eleve, evaluation, xml

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=PARIS)
ENTRY = {"label": "Livret scolaire", "path": "/lsl/", "order": 40}


@pytest.fixture
def opened(lsl, clock):
    clock.move_to(NOW)
    lsl.set_opening(LYCEE, True, account_id=1)
    return lsl


def test_only_the_parts_with_data_get_a_tile(opened):
    # Première evaluated, nothing else yet.
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(2025, "1RE 2")])).decode())
    assert opened.home(child(11))["tuiles"] == {"enseignements": True, "engagements": False,
                                                 "avis_examen": False, "scolarite": False}
    # A year with no evaluation but a CPE observation, and the history.
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(
        2026, "TERM 2", [], avis_engagement=("Délégué très investi.", "LEROY", "Anne"))],
        historique=[("6EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES")])).decode())
    assert opened.home(child(11))["tuiles"] == {"enseignements": True, "engagements": True,
                                                 "avis_examen": False, "scolarite": True}
    # The exam opinion tile appears once this year's opinion exists.
    opened.replicate(LYCEE, xml(eleve("3001", avis_examen="F", annees=[annee(2026, "TERM 2")])).decode())
    assert opened.home(child(11))["tuiles"]["avis_examen"] is True


def test_enseignements_per_year_from_premiere_grouped_with_averages_distribution_and_competences(opened):
    latin = evaluation(code="030201", modalite="F", appreciation="Bon latiniste.", periodes=["15.00", "-1", "16.00"],
                       competences=[])
    opened.replicate(LYCEE, xml(eleve("3001", annees=[
        annee(2025, "1RE 2", [latin, evaluation(code="020100", appreciation="Écrit soigné.")]),
        annee(2026, "TERM 2", []),  # nothing evaluated yet this year: not shown
    ])).decode())
    page = opened.enseignements(child(11))
    assert [(y["annee"], y["classe"]) for y in page["annees"]] == [("2025-2026", "1RE 2")]
    years = all_years(opened, child(11))
    assert years == [page["annee"]]
    groups = years[0]["regroupements"]
    assert [(g["libelle"], [m["libelle"] for m in g["matieres"]]) for g in groups] == [
        ("Enseignements obligatoires", ["Français"]), ("Enseignements facultatifs", ["Latin"])]
    francais, latin_tile = groups[0]["matieres"][0], groups[1]["matieres"][0]
    assert francais["appreciation"] == "Écrit soigné."
    # The student's average is the mean of the period averages (12, 13.5, 14).
    assert (francais["moyenne_eleve"], francais["moyenne_groupe"], francais["effectif"]) == (13.17, 11.4, 28)
    assert francais["repartition"] == {"moins_huit": 14.29, "huit_douze": 42.86, "plus_douze": 42.85}
    assert [(c["libelle"], c["niveau_libelle"]) for c in francais["competences"]] == [
        ("Raisonner, démontrer", "Compétences maîtrisées"), ("Communiquer à l'écrit", "Compétences bien maîtrisées")]
    # A period without a valid average (-1) does not count.
    assert latin_tile["moyenne_eleve"] == 15.5
    assert latin_tile["periodes"] == [{"numero": 1, "moyenne": "15.00"}, {"numero": 2, "moyenne": None},
                                      {"numero": 3, "moyenne": "16.00"}]


def test_engagements_per_year_with_the_cpe_observation(opened):
    opened.replicate(LYCEE, xml(eleve("3001", engagements=["C"], annees=[
        annee(2025, "1RE 2", avis_investissement=("Investissement sérieux.", "MOREAU", "Isabelle"))])).decode())
    opened.replicate(LYCEE, xml(eleve("3001", engagements=["V", "S"], engagement_autre="Tutorat d'élèves de seconde",
                                      annees=[annee(2025, "1RE 2", avis_investissement=(
                                          "Investissement sérieux.", "MOREAU", "Isabelle")),
                                          annee(2026, "TERM 2", avis_engagement=(
                                              "Élue au CVL, très présente.", "LEROY", "Anne", "2026-12-01"))])).decode())
    years = opened.engagements(child(11))["annees"]
    # Première keeps the commitments it was replicated with; terminale has this year's.
    assert [(y["annee"], [e["libelle"] for e in y["engagements"]], y["engagement_autre"]) for y in years] == [
        ("2025-2026", ["Délégué de classe"], None),
        ("2026-2027", ["Délégué du conseil de la vie lycéenne", "Membre de l'association sportive"],
         "Tutorat d'élèves de seconde")]
    assert years[1]["avis_engagement"] == {"texte": "Élue au CVL, très présente.", "nom": "LEROY", "prenom": "Anne",
                                           "date": "2026-12-01"}
    assert years[0]["avis_investissement"]["texte"] == "Investissement sérieux."


def test_exam_opinion_current_year_only_and_never_last_years_for_a_repeating_student(opened, clock):
    # Lucas sat terminale in 2025-2026 with an opinion, and repeats it.
    clock.move_to(datetime(2026, 6, 15, 9, 0, tzinfo=PARIS))
    opened.set_opening(LYCEE, True, account_id=1)
    opened.replicate(LYCEE, xml(eleve("3002", avis_examen="D", annees=[
        annee(2024, "1RE 2"), annee(2025, "TERM 2",
                                    avis_chef_etab=("Doit s'investir davantage.", "MOREAU", "Isabelle"))])).decode())
    assert opened.avis_examen(child(12, majeur=True, role="eleve"))["libelle"] == "Doit faire ses preuves"
    # The new school year: the repeated terminale has no opinion yet.
    clock.move_to(NOW)
    opened.replicate(LYCEE, xml(eleve("3002", annees=[annee(2026, "TERM 2")])).decode())
    lucas = child(12, majeur=True, role="eleve")
    assert opened.home(lucas)["tuiles"]["avis_examen"] is False
    with pytest.raises(NotFound):
        opened.avis_examen(lucas)
    # This year's comes: shown, with this year's head observation.
    opened.replicate(LYCEE, xml(eleve("3002", avis_examen="F", annees=[
        annee(2026, "TERM 2", avis_chef_etab=("Des progrès nets.", "MOREAU", "Isabelle"))])).decode())
    avis = opened.avis_examen(lucas)
    assert (avis["annee"], avis["libelle"], avis["observations_chef"]["texte"]) == (
        "2026-2027", "Favorable", "Des progrès nets.")


def test_distribution_of_opinions_in_the_serie_sums_to_100(opened):
    # Six students of the série: 3 T, 2 F, 1 D (the guide's 50 / 33,33 / 16,67);
    # one of another série does not count.
    opinions = {"3001": "T", "3002": "T", "3003": "T", "3004": "F", "3005": "F", "3006": "D"}
    students = [eleve(i, avis_examen=a, annees=[annee(2026, "TERM ST2S", serie="ST2S")]) for i, a in opinions.items()]
    opened.replicate(LYCEE, xml(*students).decode())
    avis = opened.avis_examen(child(11))
    assert (avis["serie"], avis["effectif_serie"]) == ("ST2S", 6)
    shares = [(r["libelle"], r["pourcentage"]) for r in avis["repartition"]]
    assert shares == [("Très favorable", 50.0), ("Favorable", 33.33), ("Doit faire ses preuves", 16.67)]
    assert round(sum(p for _, p in shares), 2) == 100.0


@pytest.mark.parametrize("counts", [(1, 1, 1), (2, 2, 3), (1, 0, 0), (5, 1, 1)])
def test_percentages_always_sum_to_exactly_100(counts):
    from decimal import Decimal

    from services.lsl import rules
    shares = rules.repartition(dict(zip("TFD", counts)))
    assert sum(r["pourcentage"] for r in shares) == Decimal("100.00")


def test_scolarite_since_6e_with_the_repeated_year_twice(opened):
    history = [("6EME", 2018, "COLLÈGE JEAN MOULIN", "WATTIGNIES"), ("5EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES"),
               ("4EME", 2020, "COLLÈGE JEAN MOULIN", "WATTIGNIES"), ("3EME", 2021, "COLLÈGE JEAN MOULIN", "WATTIGNIES"),
               ("2NDE GT", 2022, "LYCÉE MARGUERITE DE FLANDRE", "GONDECOURT"),
               ("1ERE GENERALE", 2023, "LYCÉE MARGUERITE DE FLANDRE", "GONDECOURT"),
               ("TERM GENERALE", 2024, "LYCÉE MARGUERITE DE FLANDRE", "GONDECOURT"),
               ("TERM GENERALE", 2025, "LYCÉE MARGUERITE DE FLANDRE", "GONDECOURT")]
    opened.replicate(LYCEE, xml(eleve("3002", historique=history)).decode())
    rows = opened.scolarite(child(12))["scolarite"]
    assert [(r["classe"], r["annee"]) for r in rows][-2:] == [("TERM GENERALE", "2024-2025"),
                                                              ("TERM GENERALE", "2025-2026")]
    assert len(rows) == 8 and rows[0]["etablissement"] == "COLLÈGE JEAN MOULIN"


def test_reachable_until_5_months_after_leaving_and_said_before(opened, clock):
    opened.replicate(LYCEE, xml(eleve("3001", date_sortie="2027-07-04", annees=[annee(2026, "TERM 2")]),
                                eleve("3002")).decode())
    # A student still there has no end date.
    assert opened.home(child(12))["acces_jusqu_au"] is None
    clock.move_to(datetime(2027, 7, 10, 9, 0, tzinfo=PARIS))
    home = opened.home(child(11))
    assert home["acces_jusqu_au"] == "2027-12-04"
    clock.move_to(datetime(2027, 12, 4, 23, 0, tzinfo=PARIS))
    assert opened.menus([child(11)])[0]["menu"] == ENTRY
    assert opened.enseignements(child(11))["annees"]
    clock.move_to(datetime(2027, 12, 5, 0, 30, tzinfo=PARIS))
    assert opened.menus([child(11)])[0]["menu"] is None
    with pytest.raises(AccessEnded) as exc:
        opened.enseignements(child(11))
    assert exc.value.args[0] == "2027-12-04"


def test_menu_entry_only_in_an_opened_lycee_for_a_student_with_a_livret(lsl, clock):
    clock.move_to(NOW)
    lsl.replicate(LYCEE, xml(eleve("3001")).decode())
    # Not opened yet: no entry, no pages.
    assert lsl.menus([child(11)])[0]["menu"] is None
    with pytest.raises(LslClosed):
        lsl.home(child(11))
    lsl.set_opening(LYCEE, True, account_id=1)
    # Sarah has a livret; Lucas, not replicated, has none: two children of one
    # lycée, two entries, which the gateways keep per child.
    answer = lsl.menus([child(11), child(12)])
    assert [m["menu"] for m in answer] == [ENTRY, None]
    assert [m["per_child"] for m in answer] == [True, True]
    with pytest.raises(LslClosed):
        lsl.home(child(12))
    # A child context naming another establishment gets nothing of this livret.
    with pytest.raises(LslClosed):
        lsl.enseignements(child(11, uai=OTHER_LYCEE))
    # Openings are per school year: the next one starts closed.
    clock.move_to(datetime(2027, 9, 2, 9, 0, tzinfo=PARIS))
    assert lsl.menus([child(11)])[0]["menu"] is None


@contextmanager
def counting_statements(session):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("subjects", [2, 12])
def test_enseignements_page_runs_a_bounded_number_of_statements(opened, lsl_db, subjects):
    from services.lsl.tests import conftest
    codes = [f"{61300 + i:06d}" for i in range(subjects)]
    conftest_matieres = [(c, f"Matière {i}", "Enseignements obligatoires") for i, c in enumerate(codes)]
    from tools.lsl_writer import lsl_xml
    years = [annee(y, c, [evaluation(code=code) for code in codes]) for y, c in ((2025, "1RE 2"), (2026, "TERM 2"))]
    opened.replicate(LYCEE, lsl_xml({"uai": LYCEE, "matieres": conftest_matieres, "competences": conftest.COMPETENCES,
                                     "eleves": [eleve("3001", annees=years)]}).decode())
    lsl_db.expunge_all()
    with counting_statements(lsl_db) as statements:
        page = opened.enseignements(child(11))
    # The latest year by default, the other one a link away.
    assert [y["annee"] for y in page["annees"]] == ["2025-2026", "2026-2027"]
    assert page["annee"]["annee"] == "2026-2027"
    assert sum(len(g["matieres"]) for g in page["annee"]["regroupements"]) == subjects
    # The livret, the opening, the latest replication, the evaluated years,
    # the year's evaluations, the labels: the same for 2 subjects or 12; and
    # then only the first three while nothing is replicated.
    assert len(statements) == 6, statements
    with counting_statements(lsl_db) as again:
        assert opened.enseignements(child(11)) == page
    assert len(again) == 3, again


def test_a_year_without_evaluations_is_not_a_page(opened):
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(2025, "1RE 2"), annee(2026, "TERM 2", [])])).decode())
    with pytest.raises(NotFound):
        opened.enseignements(child(11), annee=2026)
    assert opened.enseignements(child(11))["annee"]["annee"] == "2025-2026"


def test_openings_are_shown_only_for_lycees(lsl, clock):
    from services.lsl.tests.conftest import COLLEGE
    clock.move_to(NOW)
    openings = lsl.get_openings([LYCEE, COLLEGE])
    assert openings[LYCEE]["applicable"] is True and openings[LYCEE]["staff_can_change"] is True
    assert openings[COLLEGE] == {"open": False, "staff_can_change": False, "applicable": False,
                                 "annee_scolaire": 2026}


def test_the_enseignements_page_follows_every_replication(opened):
    opened.replicate(LYCEE, xml(eleve("3001"), eleve("3002")).decode())
    first = opened.enseignements(child(11))["annee"]["regroupements"][0]["matieres"][0]
    assert (first["libelle"], first["appreciation"]) == ("Mathématiques", "Travail régulier, des progrès réels.")
    # Sarah's own data changes.
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(2026, "TERM 2", [evaluation(
        appreciation="Trimestre remarquable.")])])).decode())
    assert opened.enseignements(child(11))["annee"]["regroupements"][0]["matieres"][0]["appreciation"] == \
        "Trimestre remarquable."
    # A file about another student renames the subject.
    from tools.lsl_writer import lsl_xml
    opened.replicate(LYCEE, lsl_xml({"uai": LYCEE, "matieres": [("061300", "Mathématiques (spécialité)",
                                                                 "Enseignements de spécialité")],
                                     "eleves": [eleve("3002")]}).decode())
    group = opened.enseignements(child(11))["annee"]["regroupements"][0]
    assert (group["libelle"], group["matieres"][0]["libelle"]) == ("Enseignements de spécialité",
                                                                   "Mathématiques (spécialité)")


def test_a_caller_with_the_current_version_gets_the_version_alone_until_a_replication(opened):
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(2025, "1RE 2"), annee(2026, "TERM 2")])).decode())
    page = opened.enseignements(child(11))
    assert opened.enseignements(child(11), known_version=page["version"]) == {"version": page["version"]}
    assert opened.enseignements(child(11), known_version="ancienne")["annee"] == page["annee"]
    # Another year is another content.
    assert "annees" in opened.enseignements(child(11), annee=2025, known_version=page["version"])
    # A replication changes the content: the whole page again, with a new version.
    opened.replicate(LYCEE, xml(eleve("3001", annees=[annee(2025, "1RE 2"), annee(2026, "TERM 2", [evaluation(
        appreciation="Une autre appréciation.")])])).decode())
    again = opened.enseignements(child(11), known_version=page["version"])
    assert again["version"] != page["version"]
    assert again["annee"]["regroupements"][0]["matieres"][0]["appreciation"] == "Une autre appréciation."
    # Access is checked each time: a closed livret is refused whatever the version.
    opened.set_opening(LYCEE, False, account_id=1)
    with pytest.raises(LslClosed):
        opened.enseignements(child(11), known_version=again["version"])
