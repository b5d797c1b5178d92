"""Campaign windows: set by the académie's operator, the same for every collège
(or lycée) of the académie. While one is open the service is open to the
families of that kind of establishment, without the head doing anything
(FAQ: bourses are "automatiquement ouverts aux familles")."""
from datetime import date

from sqlalchemy import select

from common.errors import NotFound, ValidationError
from services.bourses import bareme
from services.bourses.models import Campagne
from services.bourses.text import bourse_label, fr_date, school_year_label


def save(db, data: dict, now) -> Campagne:
    """Create a window, or move an existing one (`campagne_id`: extending a
    deadline). Refused when the year's barème is not loaded (no estimate could
    be given) or when it overlaps another window of the same kind."""
    bareme.require(db, data["annee_scolaire"], data["niveau"])
    if data["campagne_id"] is not None:
        campagne = db.get(Campagne, data["campagne_id"])
        if campagne is None:
            raise NotFound(data["campagne_id"])
    else:
        campagne = Campagne()
    overlapping = db.scalars(select(Campagne).where(
        Campagne.niveau == data["niveau"], Campagne.ouverture <= data["cloture"],
        Campagne.cloture >= data["ouverture"])).all()
    for other in overlapping:
        if other.id != campagne.id:
            raise ValidationError({"ouverture": [
                f"Cette période chevauche la campagne de {bourse_label(other.niveau)} ouverte du "
                f"{fr_date(other.ouverture)} au {fr_date(other.cloture)}."]})
    campagne.annee_scolaire, campagne.niveau = data["annee_scolaire"], data["niveau"]
    campagne.ouverture, campagne.cloture = data["ouverture"], data["cloture"]
    campagne.changed_at, campagne.changed_by = now, data["account_id"]
    if campagne.id is None:
        db.add(campagne)
    return campagne


def open_on(db, niveau: str, today: date) -> Campagne | None:
    """The window of this kind open on this French calendar day (both ends included)."""
    return db.scalar(select(Campagne).where(Campagne.niveau == niveau, Campagne.ouverture <= today,
                                            Campagne.cloture >= today))


def open_ids(db, today: date) -> set[int]:
    return set(db.scalars(select(Campagne.id).where(Campagne.ouverture <= today, Campagne.cloture >= today)))


def last_closed(db, niveau: str, today: date) -> Campagne | None:
    return db.scalar(select(Campagne).where(Campagne.niveau == niveau, Campagne.cloture < today)
                     .order_by(Campagne.cloture.desc()).limit(1))


def next_opening(db, niveau: str, today: date) -> Campagne | None:
    return db.scalar(select(Campagne).where(Campagne.niveau == niveau, Campagne.ouverture > today)
                     .order_by(Campagne.ouverture).limit(1))


def view(campagne: Campagne | None) -> dict | None:
    if campagne is None:
        return None
    return {"id": campagne.id, "annee_scolaire": campagne.annee_scolaire,
            "annee_scolaire_texte": school_year_label(campagne.annee_scolaire), "niveau": campagne.niveau,
            "ouverture": campagne.ouverture.isoformat(), "cloture": campagne.cloture.isoformat(),
            "ouverture_texte": fr_date(campagne.ouverture), "cloture_texte": fr_date(campagne.cloture)}


def all_views(db, today: date) -> list[dict]:
    return [{**view(c), "ouverte": c.ouverture <= today <= c.cloture}
            for c in db.scalars(select(Campagne).order_by(Campagne.ouverture.desc()))]
