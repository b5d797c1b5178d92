"""The establishment's vie scolaire settings as its staff edit them on the
administration pages: the half-day boundary, the motif table, the period
calendars. Same rules as the imports, refusals beside each field, nothing
half-saved; only those accounts says administer the establishment's vie
scolaire (its direction, secretariat, CPE; an operator)."""
import pytest

from common.errors import Forbidden, ValidationError
from services.vie_scolaire.tests.conftest import UAI, absence, child, paris, setup_school

TRIMESTRES_5A = [{"numero": 1, "libelle": "T1", "debut": "01/09/2026", "fin": "30/11/2026"},
                 {"numero": 2, "libelle": "T2", "debut": "01/12/2026", "fin": "28/02/2027"},
                 {"numero": 3, "libelle": "T3", "debut": "01/03/2027", "fin": "04/07/2027"}]


@pytest.fixture
def school(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1", debut="09/11/2026 08:00", fin="09/11/2026 13:00")])
    vs.accounts.administers.side_effect = lambda account_id, uai, domaine: (
        domaine == "vie_scolaire" and uai == UAI and account_id == 42)
    return vs


def test_the_page_shows_the_boundary_motifs_classes_and_calendars(school):
    view = school.reglages(UAI)
    assert view["heure_demi_journee"] == "12:00"
    assert [(m["code"], m["parents"]) for m in view["motifs"]] == [("MAL", True), ("REV", False), ("FAM", True)]
    assert view["classes"] == ["2GT1", "5A"]
    assert [c["classe"] for c in view["calendriers"]] == [""]
    assert [p["libelle"] for p in view["calendriers"][0]["periodes"]] == ["1er trimestre", "2e trimestre",
                                                                          "3e trimestre"]


def test_a_motif_is_added_or_changed_and_families_see_the_usable_ones(school):
    school.save_motif(UAI, {"code": "rdv", "libelle": "Rendez-vous médical", "parents": True}, 42)
    school.save_motif(UAI, {"code": "REV", "libelle": "Panne de réveil", "parents": True}, 42)
    codes = {m["code"]: m["parents"] for m in school.reglages(UAI)["motifs"]}
    assert codes == {"MAL": True, "FAM": True, "REV": True, "RDV": True}
    page = school.page(child(), None, None)
    assert {m["code"] for m in page["motifs_parents"]} == {"MAL", "FAM", "REV", "RDV"}


def test_a_bad_motif_is_refused_beside_its_field_and_nothing_changes(school):
    with pytest.raises(ValidationError) as refused:
        school.save_motif(UAI, {"code": "", "libelle": "x" * 101, "parents": True}, 42)
    assert set(refused.value.errors) == {"code", "libelle"}
    assert all("Ligne" not in m for messages in refused.value.errors.values() for m in messages)
    assert len(school.reglages(UAI)["motifs"]) == 3


def test_a_class_gets_its_calendar_and_a_bad_one_is_refused_period_by_period(school, clock):
    with pytest.raises(ValidationError) as refused:
        school.save_calendrier(UAI, "5A", [
            {"numero": 1, "libelle": "S1", "debut": "01/09/2026", "fin": "31/01/2027"},
            {"numero": 2, "libelle": "S2", "debut": "15/01/2027", "fin": "32/06/2027"}], 42)
    errors = refused.value.errors
    assert errors == {"p2_fin": ["Date attendue au format jj/mm/aaaa."]}
    assert [c["classe"] for c in school.reglages(UAI)["calendriers"]] == [""]
    with pytest.raises(ValidationError) as refused:
        school.save_calendrier(UAI, "5A", [
            {"numero": 1, "libelle": "S1", "debut": "01/09/2026", "fin": "31/01/2027"},
            {"numero": 2, "libelle": "S2", "debut": "15/01/2027", "fin": "30/06/2027"}], 42)
    assert refused.value.errors == {
        "p2_debut": ["La période 2 de la classe 5A commence avant la fin de la période 1."]}

    school.save_calendrier(UAI, "5A", [
        {"numero": 1, "libelle": "1er semestre", "debut": "01/09/2026", "fin": "31/01/2027"},
        {"numero": 2, "libelle": "2e semestre", "debut": "01/02/2027", "fin": "30/06/2027"}], 42)
    clock.move_to(paris(2026, 11, 10, 9, 0))
    assert [p["libelle"] for p in school.page(child(), None, None)["periodes"]] == ["1er semestre", "2e semestre"]
    # The home tile follows the new calendar.
    (_name, payload), _ = school.news_events.call_args
    assert {i["kind"] for i in payload["items"] if i["visible_from"]} == {"absence_semestre"}


def test_the_boundary_is_set_from_the_page_and_the_absences_counted_again(school, clock):
    clock.move_to(paris(2026, 11, 10, 9, 0))
    assert school.page(child(), None, None)["periodes"][0]["totaux"]["demi_journees"] == 2
    with pytest.raises(ValidationError) as refused:
        school.set_settings(UAI, "25:00", account_id=42)
    assert refused.value.errors == {"heure_demi_journee": ["Heure attendue au format hh:mm (par exemple 12:00)."]}
    school.set_settings(UAI, "13:30", account_id=42)
    assert school.reglages(UAI)["heure_demi_journee"] == "13:30"
    assert school.page(child(), None, None)["periodes"][0]["totaux"]["demi_journees"] == 1


def test_only_who_administers_the_vie_scolaire_changes_the_settings(school):
    for call in (lambda: school.save_motif(UAI, {"code": "X", "libelle": "X", "parents": True}, 7),
                 lambda: school.save_calendrier(UAI, "", TRIMESTRES_5A, 7),
                 lambda: school.set_settings(UAI, "11:00", account_id=7)):
        with pytest.raises(Forbidden):
            call()
    view = school.reglages(UAI)
    assert view["heure_demi_journee"] == "12:00" and len(view["motifs"]) == 3
    school.accounts.administers.assert_called_with(account_id=7, uai=UAI, domaine="vie_scolaire")
