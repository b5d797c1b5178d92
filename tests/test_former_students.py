"""FAQ (LSL): "Le téléservice reste accessible 5 mois après la sortie de
l'élève de l'établissement." The LSL declares the months in its contract
(contract/lsl.py); accounts, which lists a former student to their family,
learns them from there, so both stop on the same day."""
from datetime import date

from common.config import ROOT
from common.contract import former_students_months
from services.accounts import rentree
from services.lsl import rules


def test_only_the_lsl_serves_former_students_for_five_months():
    services = sorted(p.parent.name for p in (ROOT / "services").glob("*/service.py"))
    assert {s: former_students_months(s) for s in services if former_students_months(s)} == {"lsl": 5}


def test_accounts_stops_listing_a_former_student_the_day_the_livret_closes():
    for left in (date(2027, 9, 1), date(2028, 1, 31), date(2027, 10, 31)):
        assert rentree.former_until(left) == rules.access_until(left)
        assert rentree.is_former_child_visible(left, rules.access_until(left))
        assert not rules.access_ended(left, rules.access_until(left))
