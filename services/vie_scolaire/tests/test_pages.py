"""The family page's "new since your previous connection" marks, its bounded
cost, and the school's absentéisme alerts (art. L131-8: 4 unjustified
half-days or more in the month)."""
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import update

from services.vie_scolaire.models import Evenement
from services.vie_scolaire.service import _PAGES
from services.vie_scolaire.tests.conftest import UAI, absence, child, event, paris, setup_school


def test_events_published_after_the_previous_connection_are_new(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    clock.move_to(paris(2026, 11, 10, 17, 0))
    vs.import_evenements(UAI, [event("R1", "retard", minutes="5", publiable_en_ligne="oui")])
    previous_login = paris(2026, 11, 10, 20, 0)
    clock.move_to(paris(2026, 11, 11, 8, 0))
    period = vs.page(child(), since=previous_login.isoformat())["periodes"][0]
    assert [line["nouveau"] for line in period["evenements"]["absence"]] == [False]
    assert [line["nouveau"] for line in period["evenements"]["retard"]] == [True]
    assert vs.page(child())["periodes"][0]["evenements"]["absence"][0]["nouveau"] is True


def _statements(vs, db, kept=False) -> int:
    """The statements of one page: built from the rows, or (`kept`) kept by
    the service since an identical request."""
    if not kept:
        _PAGES.clear()
    count = 0

    def _count(*_args):
        nonlocal count
        count += 1

    engine = db.get_bind()
    sa_event.listen(engine, "before_cursor_execute", _count)
    try:
        vs.page(child())
    finally:
        sa_event.remove(engine, "before_cursor_execute", _count)
    return count


def test_the_page_runs_the_same_number_of_statements_for_2_or_200_events(vs, vs_db, clock):
    clock.move_to(paris(2026, 9, 20, 17, 0))
    setup_school(vs)
    rows = [absence("A0", debut="14/09/2026 08:00", fin="14/09/2026 10:00"),
            event("P0", "punition", debut="15/09/2026 10:00", type="RET", publiable_en_ligne="oui")]
    vs.import_evenements(UAI, rows)
    clock.move_to(paris(2026, 9, 21, 8, 0))
    vs.justify(child(), vs.page(child())["periodes"][0]["evenements"]["absence"][0]["id"],
               {"motif": "MAL"}, {"email": "a@example.org", "prenom": "A", "nom": "B", "eleve_prenom": "C",
                                  "eleve_nom": "D", "etablissement_nom": "E"})
    few = _statements(vs, vs_db)
    day = paris(2026, 9, 22, 8, 0)
    many = []
    for i in range(198):
        start = day + timedelta(days=i // 4)
        many.append(absence(f"A{i + 1}", debut=f"{start:%d/%m/%Y} 08:00", fin=f"{start:%d/%m/%Y} 09:00")
                    if i % 2 else event(f"P{i + 1}", "punition", debut=f"{start:%d/%m/%Y} 10:00", type="DEV",
                                        publiable_en_ligne="oui"))
    vs.import_evenements(UAI, many)
    clock.move_to(paris(2027, 6, 1, 8, 0))
    page = vs.page(child())
    assert sum(len(lines) for p in page["periodes"] for lines in p["evenements"].values()) == 200
    assert _statements(vs, vs_db) == few <= 9
    # Kept: the opening and the establishment's page generation.
    assert _statements(vs, vs_db, kept=True) == 2


def test_a_kept_page_shows_at_once_a_change_made_by_an_update_statement(vs, vs_db, clock):
    """A statement naming no establishment (an UPDATE or DELETE on the
    service's tables) moves every establishment's page generation: the kept
    page is not shown again (common/kept_pages.py)."""
    clock.move_to(paris(2026, 11, 9, 17, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1", detail="Rendez-vous médical")])
    clock.move_to(paris(2026, 11, 10, 17, 0))
    kept = vs.page(child())
    assert vs.page(child(), known_version=kept["version"]) == {"version": kept["version"]}
    vs_db.execute(update(Evenement).where(Evenement.etablissement_uai == UAI).values(detail="Sortie avancée"))
    vs_db.commit()
    page = vs.page(child(), known_version=kept["version"])
    assert [line["detail"] for line in page["periodes"][0]["evenements"]["absence"]] == ["Sortie avancée"]


def test_alerts_list_students_at_four_unjustified_half_days_in_the_month(vs, clock):
    clock.move_to(paris(2026, 12, 2, 9, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [
        # Student 1: Monday 30 November all day (2) and Tuesday 1 December all day (2): 2 in each month.
        absence("A1", debut="30/11/2026 08:00", fin="01/12/2026 17:00"),
        # Student 2: 3 unjustified and 1 justified half-day in November; 1 unpublished one still counts.
        absence("B1", eleve="1002", debut="02/11/2026 08:00", fin="03/11/2026 11:00"),
        absence("B2", eleve="1002", debut="04/11/2026 08:00", fin="04/11/2026 11:00", justifiee="oui"),
        absence("B3", eleve="1002", debut="05/11/2026 14:00", fin="05/11/2026 16:00", publiable_en_ligne="non"),
        # Student 3: 3 half-days, then a fourth, then one cancelled as an erreur de saisie.
        absence("C1", eleve="1003", debut="09/11/2026 08:00", fin="09/11/2026 17:00"),
        absence("C2", eleve="1003", debut="12/11/2026 08:00", fin="12/11/2026 11:00"),
    ])
    assert vs.alerts(UAI, 2026, 11)["eleves"] == [{"eleve_id": 2, "demi_journees": 4}]
    vs.import_evenements(UAI, [absence("C3", eleve="1003", debut="13/11/2026 08:00", fin="13/11/2026 11:00")])
    assert vs.alerts(UAI, 2026, 11)["eleves"] == [{"eleve_id": 2, "demi_journees": 4},
                                                  {"eleve_id": 3, "demi_journees": 4}]
    vs.import_evenements(UAI, [{"ref": "C2", "annulation": "erreur de saisie"}])
    assert [a["eleve_id"] for a in vs.alerts(UAI, 2026, 11)["eleves"]] == [2]
    # December, the default month: student 1 has only 2.
    assert vs.alerts(UAI) == {"annee": 2026, "mois": 12, "eleves": []}
