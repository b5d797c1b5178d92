"""The home page's tile "N nouvelles notes" is counted by accounts from the
items the notes service sends: one per grade, visible from its publication
instant by the one rule."""
from datetime import datetime

from common.clock import PARIS
from services.notes import news
from services.notes.models import ECHEANCE, FIL_DE_L_EAU, Evaluation
from services.notes.tests.conftest import ELEVES, UAI, row, seed


def _order(item):
    return item[0], item[1] or ""


def test_one_item_per_grade_visible_from_its_publication_instant(notes_db):
    entered = datetime(2026, 11, 10, 23, 30, tzinfo=PARIS)
    seed(notes_db, [row("E1", "1001", "12"), row("E1", "1002", "ABS"),
                    row("E2", "1001", "8", date_publication="20/11/2026"),
                    row("E3", "1003", "15")], entered)
    by_mode = {}
    for mode in (FIL_DE_L_EAU, ECHEANCE):
        items = news.items(notes_db, mode, Evaluation.etablissement_uai == UAI)
        by_mode[mode] = sorted(((i["eleve_id"], i["visible_from"]) for i in items), key=_order)
        assert all(i["kind"] == "note" and i["key"].startswith("note:") for i in items)
        assert len({i["key"] for i in items}) == 4
    next_day = datetime(2026, 11, 11, tzinfo=PARIS).isoformat()
    assert by_mode[FIL_DE_L_EAU] == sorted([(ELEVES["1001"], next_day), (ELEVES["1002"], next_day),
                                            (ELEVES["1001"], next_day), (ELEVES["1003"], next_day)], key=_order)
    # À échéance: only E2 has a publication date; the others are withdrawn (None).
    assert by_mode[ECHEANCE] == sorted([(ELEVES["1001"], None), (ELEVES["1002"], None), (ELEVES["1003"], None),
                                        (ELEVES["1001"], datetime(2026, 11, 20, tzinfo=PARIS).isoformat())],
                                       key=_order)


def test_items_can_be_limited_to_the_evaluations_of_one_import(notes_db):
    seed(notes_db, [row("E1", "1001", "12"), row("E2", "1001", "8")], datetime(2026, 11, 3, tzinfo=PARIS))
    items = news.items(notes_db, FIL_DE_L_EAU, Evaluation.etablissement_uai == UAI, Evaluation.ref.in_({"E2"}))
    assert len(items) == 1
