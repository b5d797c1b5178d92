"""The campaign window: set by the académie's operator, one per rentrée,
from an instant to an instant (French time, to the minute). While it is open
every eligible family may enroll online, without the collège's head opening
anything and without a way for them to close it (FAQ)."""
from datetime import datetime, timedelta

from sqlalchemy import select

from services.inscription.models import Campagne
from common.typography import french_date, french_datetime, french_time
from services.inscription.text import school_year_label, time_left

# "Monday 23:59" is open until the end of that minute: 23:59:59 is still
# inside, midnight is not.
MINUTE = timedelta(minutes=1)


def ends_at(campagne: Campagne) -> datetime:
    return campagne.cloture + MINUTE


def is_open(campagne: Campagne | None, now: datetime) -> bool:
    """The one rule of the window (every entry point and page reads it)."""
    return campagne is not None and campagne.ouverture <= now < ends_at(campagne)


def save(db, data: dict, academie: str, now) -> Campagne:
    """Create the rentrée's window or move it (extending a deadline)."""
    campagne = for_year(db, data["annee_scolaire"])
    if campagne is None:
        campagne = Campagne(annee_scolaire=data["annee_scolaire"])
        db.add(campagne)
    campagne.academie = academie
    campagne.ouverture, campagne.cloture = data["ouverture"], data["cloture"]
    campagne.changed_at, campagne.changed_by = now, data["account_id"]
    return campagne


def for_year(db, annee: int) -> Campagne | None:
    return db.scalar(select(Campagne).where(Campagne.annee_scolaire == annee))


def view(campagne: Campagne | None, now: datetime) -> dict | None:
    if campagne is None:
        return None
    ouverte = is_open(campagne, now)
    return {
        "id": campagne.id, "annee_scolaire": campagne.annee_scolaire,
        "rentree_texte": school_year_label(campagne.annee_scolaire),
        "ouverture": campagne.ouverture.isoformat(), "cloture": campagne.cloture.isoformat(),
        "ouverture_texte": french_datetime(campagne.ouverture), "cloture_texte": french_datetime(campagne.cloture),
        "cloture_jour": french_date(campagne.cloture), "cloture_heure": french_time(campagne.cloture),
        "ouverte": ouverte, "pas_encore": now < campagne.ouverture, "close": now >= ends_at(campagne),
        "temps_restant": time_left(ends_at(campagne) - now) if ouverte else None,
    }


def all_views(db, now) -> list[dict]:
    return [view(c, now) for c in db.scalars(select(Campagne).order_by(Campagne.annee_scolaire.desc()))]


def current(db) -> Campagne | None:
    """The latest rentrée's window (the one families deal with)."""
    return db.scalar(select(Campagne).order_by(Campagne.annee_scolaire.desc()).limit(1))


def closed_message(campagne: Campagne | None, now: datetime) -> str:
    """Why nothing can be submitted now, and what to do."""
    if campagne is None:
        return "La campagne d'inscription en ligne n'est pas encore fixée par l'académie."
    if now < campagne.ouverture:
        return f"L'inscription en ligne ouvrira le {french_datetime(campagne.ouverture)} : rien ne peut être envoyé avant."
    return (f"La campagne d'inscription en ligne s'est terminée le {french_datetime(campagne.cloture)} : rien ne peut "
            "plus être envoyé en ligne. Ce que vous aviez enregistré avant est conservé. Pour toute question, "
            "contactez le lycée.")
