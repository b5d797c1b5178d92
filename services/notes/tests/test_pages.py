"""The families' notes pages: one tile per subject with its teachers, orange
(new since the previous connection) or violet, a detail per subject with the
class figures; a bounded number of SQL statements whatever the number of
grades; closed means absent."""
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from common.clock import PARIS
from common.errors import NotFound
from services.notes import importing
from services.notes.exceptions import NotesClosed
from services.notes.tests.conftest import ELEVES, OTHER_UAI, UAI, child, row, seed

ENTERED = datetime(2026, 11, 3, 18, 0, tzinfo=PARIS)


@contextmanager
def counting_statements(session):
    engine = session.get_bind()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _many_grades(session, per_subject: int):
    """12 subjects, `per_subject` evaluations each, for a class of 4."""
    subjects = [{"code": f"S{i:02d}", "libelle": f"Matière {i:02d}"} for i in range(12)]
    importing.import_matieres(session, UAI, subjects)
    rows = []
    for s in subjects:
        for k in range(per_subject):
            for siecle in ELEVES:
                rows.append(row(f"{s['code']}-{k}", siecle, str((k * 3 + int(siecle)) % 21),
                                matiere=s["code"], enseignants=f"Prof {s['code']}"))
    importing.import_grades(session, UAI, rows, ELEVES, ENTERED)
    session.commit()


@pytest.mark.parametrize("per_subject", [2, 25])
def test_subject_page_and_detail_run_a_bounded_number_of_statements(notes, notes_db, clock, per_subject):
    clock.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=PARIS))
    notes.set_opening(UAI, True, account_id=1)
    _many_grades(notes_db, per_subject)
    notes_db.expunge_all()

    with counting_statements(notes_db) as on_page:
        page = notes.subjects(child(), since=ENTERED.isoformat())
    assert len(page["matieres"]) == 12
    assert sum(m["nb_notes"] for m in page["matieres"]) == 12 * per_subject
    notes_db.expunge_all()
    with counting_statements(notes_db) as on_detail:
        detail = notes.subject_detail(child(), page["matieres"][0]["id"], since=ENTERED.isoformat())
    assert len(detail["notes"]) == per_subject
    notes_db.expunge_all()
    with counting_statements(notes_db) as on_kept_page:
        again = notes.subjects(child(), since=ENTERED.isoformat(), known_version=page["version"])
    assert again == {"version": page["version"]}
    # The opening, the publication mode, the establishment's page generation
    # and the grades (none when the page is kept); plus the subject and the
    # class figures for a detail: the same with 24 grades or 300.
    assert len(on_page) == 4, on_page
    assert len(on_kept_page) == 3, on_kept_page
    assert len(on_detail) == 5, on_detail


def test_tiles_show_teachers_and_turn_orange_only_for_grades_published_since(notes, notes_db, clock):
    clock.move_to(datetime(2026, 11, 10, 9, 0, tzinfo=PARIS))
    notes.set_opening(UAI, True, account_id=1)
    seed(notes_db, [row("M1", "1001", "12", enseignants="M. DUPONT, Mme LEROY"),
                    row("F1", "1001", "14", matiere="FRANC", enseignants="Mme HUGO")],
         datetime(2026, 11, 5, 17, 0, tzinfo=PARIS))
    # Published 6 November; the viewer came on the 8th; a new maths grade is
    # entered on the 9th, published on the 10th.
    seed(notes_db, [row("M2", "1001", "16", enseignants="M. DUPONT")], datetime(2026, 11, 9, 17, 0, tzinfo=PARIS))
    previous = datetime(2026, 11, 8, 20, 0, tzinfo=PARIS).isoformat()
    tiles = {m["libelle"]: (m["enseignants"], m["nouvelles_notes"]) for m in notes.subjects(child(), previous)["matieres"]}
    assert tiles == {"Mathématiques": (["M. DUPONT", "Mme LEROY"], 1), "Français": (["Mme HUGO"], 0)}
    # Came back after the publication: nothing new any more.
    later = datetime(2026, 11, 10, 8, 0, tzinfo=PARIS).isoformat()
    assert all(m["nouvelles_notes"] == 0 for m in notes.subjects(child(), later)["matieres"])
    # Never connected before: everything is new.
    assert all(m["nouvelles_notes"] > 0 for m in notes.subjects(child(), None)["matieres"])
    # Connected at the very instant of the publication (midnight of the 10th):
    # it was already there to see; a second before, it was not.
    def maths_new(since):
        return {m["libelle"]: m["nouvelles_notes"] for m in notes.subjects(child(), since.isoformat())["matieres"]}
    publication = datetime(2026, 11, 10, 0, 0, tzinfo=PARIS)
    assert maths_new(publication)["Mathématiques"] == 0
    assert maths_new(publication - timedelta(seconds=1))["Mathématiques"] == 1


def test_a_child_sees_only_their_own_grades_and_their_school_subjects(notes, notes_db, clock):
    clock.move_to(datetime(2026, 11, 10, 9, 0, tzinfo=PARIS))
    notes.set_opening(UAI, True, account_id=1)
    notes.set_opening(OTHER_UAI, True, account_id=1)
    seed(notes_db, [row("M1", "1001", "12"), row("M1", "1002", "18")], ENTERED)
    seed(notes_db, [row("X1", "2001", "5")], ENTERED, uai=OTHER_UAI, eleves={"2001": 7})
    mine = notes.subjects(child(1))
    detail = notes.subject_detail(child(1), mine["matieres"][0]["id"])
    assert [n["valeur"] for n in detail["notes"]] == [12.0]
    other_school_subject = notes.subjects(child(7, uai=OTHER_UAI))["matieres"][0]["id"]
    with pytest.raises(NotFound):
        notes.subject_detail(child(1), other_school_subject)
    # A child without grades gets an empty page, not someone else's.
    assert notes.subjects(child(4))["matieres"] == []


def test_closed_service_has_no_menu_entry_and_no_pages(notes, notes_db, clock):
    clock.move_to(datetime(2026, 11, 10, 9, 0, tzinfo=PARIS))
    seed(notes_db, [row("M1", "1001", "12")], ENTERED)
    assert notes.menus([child()]) == [{"eleve_id": 1, "menu": None, "per_child": False}]
    with pytest.raises(NotesClosed):
        notes.subjects(child())
    notes.set_opening(UAI, True, account_id=1)
    opened = notes.menus([child(), child(2, role="eleve")])
    assert [o["menu"] for o in opened] == [{"label": "Notes", "path": "/notes/", "order": 20}] * 2
    notes.set_opening(UAI, False, account_id=1)
    assert notes.menus([child()])[0]["menu"] is None
