"""The LSL's rules about people and time (FAQ "LSL", guide § 3.2), each in one
place:

- who acts: the legal guardians of a minor, the student once of age, the
  age being the one on the day of the request (the child context's
  `eleve_majeur`, computed by accounts from the clock on that day);
- access: until 5 months after the student left the establishment
  (contract/lsl.py's FORMER_STUDENTS_MONTHS, which accounts reads too);
- the exam opinion: only during the school year it was given in;
- the distribution of opinions: percentages computed here, summing to 100.
"""
from datetime import date, datetime, time
from decimal import ROUND_DOWN, Decimal

from common.clock import PARIS, add_months, school_year
from contract.lsl import FORMER_STUDENTS_MONTHS
from services.lsl import codes


def may_act(context: dict) -> bool:
    """Whether this viewer may ask the head for a rectification or an opposition."""
    if context["eleve_majeur"]:
        return context["viewer_role"] == "eleve"
    return context["viewer_role"] == "responsable"


def access_until(date_sortie: date | None) -> date | None:
    """The last day the family can reach the livret; None while the student is
    in the establishment."""
    if date_sortie is None:
        return None
    instant = datetime.combine(date_sortie, time(12), tzinfo=PARIS)
    return add_months(instant, FORMER_STUDENTS_MONTHS).date()


def access_ended(date_sortie: date | None, today: date) -> bool:
    until = access_until(date_sortie)
    return until is not None and today > until


def opening_year(date_sortie: date | None, today: date) -> int:
    """The school year whose opening governs access: the current one, or for a
    student who left, the year they left in (the school opened it for them)."""
    if date_sortie is not None and date_sortie <= today:
        return school_year(date_sortie)
    return school_year(today)


def avis_visible(avis: str | None, avis_annee: int | None, today: date) -> bool:
    """The team's opinion is shown only during the year it was given in: a
    student repeating terminale never sees last year's (guide § 3.2.3)."""
    return avis is not None and avis_annee == school_year(today)


def repartition(counts: dict[str, int]) -> list[dict]:
    """Each opinion's share, in percent with two decimals, summing to exactly
    100 (largest remainders get the last hundredths). `counts`: {code: n}."""
    total = sum(counts.values())
    if total == 0:
        return []
    exact = {code: Decimal(counts.get(code, 0) * 100) / total for code in codes.AVIS_EXAMEN}
    floors = {code: value.quantize(Decimal("0.01"), rounding=ROUND_DOWN) for code, value in exact.items()}
    missing = int((Decimal(100) - sum(floors.values())) / Decimal("0.01"))
    order = sorted(codes.AVIS_EXAMEN, key=lambda code: (floors[code] - exact[code], list(codes.AVIS_EXAMEN).index(code)))
    for code in order[:missing]:
        floors[code] += Decimal("0.01")
    return [{"code": code, "libelle": label, "effectif": counts.get(code, 0), "pourcentage": floors[code]}
            for code, label in codes.AVIS_EXAMEN.items()]
