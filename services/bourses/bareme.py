"""The barème: each school year's ceilings and amounts, loaded as data
(domain § 2: the SMIC and BMAF values a year uses are not known in advance,
so nothing here is computed from a formula), and the one rule that reads it:
the échelon and amount a household's income and dependent children give.
"""
from sqlalchemy import delete, select

from common.errors import ValidationError
from services.bourses.models import ECHELONS, MAX_ENFANTS_COLONNE, BaremeEchelon
from services.bourses.text import bourse_label, euros, school_year_label

# Far above any published ceiling (about 50 000 € for 8 children): a figure
# beyond this is a typing mistake, not a barème.
MAX_PLAFOND = 1_000_000
MAX_MONTANT = 10_000


def load(db, annee_scolaire: int, niveau: str, echelons: list[dict], now) -> None:
    """Replace the barème of (`annee_scolaire`, `niveau`) by `echelons`, once
    every figure is checked; a refusal names each fault and writes nothing."""
    faults = _faults(niveau, echelons)
    if faults:
        raise ValidationError({"echelons": faults})
    db.execute(delete(BaremeEchelon).where(BaremeEchelon.annee_scolaire == annee_scolaire,
                                           BaremeEchelon.niveau == niveau))
    for row in echelons:
        db.add(BaremeEchelon(annee_scolaire=annee_scolaire, niveau=niveau, echelon=row["echelon"],
                             montant_annuel=row["montant_annuel"], plafonds=list(row["plafonds"]), charge_le=now))


def _faults(niveau: str, echelons: list[dict]) -> list[str]:
    expected = ECHELONS[niveau]
    faults = []
    numbers = sorted(row["echelon"] for row in echelons)
    if numbers != list(range(1, expected + 1)):
        faults.append(f"La {bourse_label(niveau)} compte {expected} échelons, numérotés de 1 à {expected}, "
                      "chacun une fois.")
        return faults
    rows = sorted(echelons, key=lambda r: r["echelon"])
    for row in rows:
        e, plafonds = row["echelon"], row["plafonds"]
        if len(plafonds) != MAX_ENFANTS_COLONNE:
            faults.append(f"Échelon {e} : {MAX_ENFANTS_COLONNE} plafonds attendus (1 enfant à charge, 2, … "
                          f"8 et plus), {len(plafonds)} donnés.")
            continue
        if not 0 < row["montant_annuel"] <= MAX_MONTANT:
            faults.append(f"Échelon {e} : montant annuel invraisemblable ({row['montant_annuel']} €).")
        for n, plafond in enumerate(plafonds, start=1):
            if not 0 < plafond <= MAX_PLAFOND:
                faults.append(f"Échelon {e}, {_children(n)} : plafond invraisemblable ({plafond} €).")
        for n in range(1, MAX_ENFANTS_COLONNE):
            if plafonds[n] < plafonds[n - 1]:
                faults.append(f"Échelon {e} : le plafond pour {_children(n + 1)} est inférieur à celui pour "
                              f"{_children(n)}.")
    if faults:
        return faults
    for upper, lower in zip(rows, rows[1:]):
        for n in range(MAX_ENFANTS_COLONNE):
            if lower["plafonds"][n] >= upper["plafonds"][n]:
                faults.append(f"Échelon {lower['echelon']}, {_children(n + 1)} : le plafond doit être inférieur à "
                              f"celui de l'échelon {upper['echelon']}.")
        if lower["montant_annuel"] <= upper["montant_annuel"]:
            faults.append(f"Échelon {lower['echelon']} : le montant doit être supérieur à celui de l'échelon "
                          f"{upper['echelon']}.")
    return faults


def _children(n: int) -> str:
    return "8 enfants et plus" if n == MAX_ENFANTS_COLONNE else f"{n} enfant{'s' if n > 1 else ''}"


def rows(db, annee_scolaire: int, niveau: str) -> list[BaremeEchelon]:
    return list(db.scalars(select(BaremeEchelon).where(BaremeEchelon.annee_scolaire == annee_scolaire,
                                                       BaremeEchelon.niveau == niveau)
                           .order_by(BaremeEchelon.echelon)))


def require(db, annee_scolaire: int, niveau: str) -> list[BaremeEchelon]:
    found = rows(db, annee_scolaire, niveau)
    if not found:
        raise ValidationError({"annee_scolaire": [
            f"Le barème {school_year_label(annee_scolaire)} de la {bourse_label(niveau)} n'est pas chargé."]})
    return found


def echelon_for(bareme: list[BaremeEchelon], ressources: int, enfants: int) -> tuple[int | None, int]:
    """(échelon, yearly amount) for a household: the highest échelon whose
    ceiling for its number of dependent children (8 and more: the last
    column) the reference tax income does not exceed; (None, 0) above the
    échelon 1 ceiling."""
    column = min(enfants, MAX_ENFANTS_COLONNE) - 1
    granted = None
    for row in bareme:
        if ressources <= row.plafonds[column]:
            granted = row
    return (granted.echelon, granted.montant_annuel) if granted else (None, 0)


def montant(bareme: list[BaremeEchelon], echelon: int) -> int:
    return next(row.montant_annuel for row in bareme if row.echelon == echelon)


def view(bareme: list[BaremeEchelon]) -> list[dict]:
    return [{"echelon": r.echelon, "montant_annuel": r.montant_annuel, "montant_annuel_texte": euros(r.montant_annuel),
             "plafonds": list(r.plafonds)} for r in bareme]
