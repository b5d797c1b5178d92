"""How averages are computed (shown to families in a short explanation, see
the gateway's notes pages and docs/notes.md):

- each grade is brought to a scale of 20 (15/20 stays 15, 7/10 counts 14),
  then weighted by its evaluation's coefficient;
- a code (absent, dispensé, non noté) and a coefficient of 0 do not count;
- the overall average is the mean of the subject averages (each subject
  weighs the same).

Only published grades ever reach these functions.
"""
from decimal import ROUND_HALF_UP, Decimal

TWENTY = Decimal(20)
CENT = Decimal("0.01")


def rounded(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def subject_average(grades) -> dict:
    """`grades`: (valeur, code, coefficient, bareme) of one student in one subject."""
    weighted, weights = Decimal(0), Decimal(0)
    counted, codes, coefficient_zero = 0, {}, 0
    for valeur, code, coefficient, bareme in grades:
        if code is not None or valeur is None:
            codes[code] = codes.get(code, 0) + 1
            continue
        if coefficient == 0:
            coefficient_zero += 1
            continue
        weighted += valeur / bareme * TWENTY * coefficient
        weights += coefficient
        counted += 1
    return {
        "moyenne": rounded(weighted / weights) if weights else None,
        "notes_comptees": counted,
        "codes": codes,
        "coefficient_zero": coefficient_zero,
    }


def overall_average(subject_averages: list[float | None]) -> float | None:
    values = [Decimal(str(a)) for a in subject_averages if a is not None]
    return rounded(sum(values) / len(values)) if values else None


def class_stats(values: list[Decimal]) -> dict:
    """An evaluation's class average, minimum and maximum, in its own scale."""
    if not values:
        return {"moyenne_classe": None, "min": None, "max": None}
    return {"moyenne_classe": rounded(sum(values) / len(values)),
            "min": rounded(min(values)), "max": rounded(max(values))}
