"""The publication rules of guide § 3.4: the one place that says when an event
becomes visible to families. Everything that shows or counts events for a
family (pages, home tiles) goes through `publication_instant`.

- An event is shown from the day after it was entered ("J+1"): midnight, Paris
  time, starting the next calendar day in France.
- Absences, retards and punitions only while ticked "publiable en ligne";
  sanctions (and the mesures de prévention et d'accompagnement that go with
  them) only while ticked "famille avisée". A flag ticked after that midnight
  publishes the event from the instant it was ticked.
- Authorised non-presences (dispense, stage, sortie/voyage) and academic
  reports are never shown, whatever their flags; nor is an event cancelled as
  an "erreur de saisie".
"""
from datetime import date, datetime, time, timedelta

from common.clock import PARIS
from services.vie_scolaire.models import (ABSENCE, DISPENSE, MESURE, PUNITION, RETARD, SANCTION, SIGNALEMENT,
                                          SORTIE, STAGE)

PUBLIABLE_EN_LIGNE_KINDS = (ABSENCE, RETARD, PUNITION)
FAMILLE_AVISEE_KINDS = (SANCTION, MESURE)
NEVER_SHOWN = (DISPENSE, STAGE, SORTIE, SIGNALEMENT)
SHOWN = PUBLIABLE_EN_LIGNE_KINDS + FAMILLE_AVISEE_KINDS


def start_of_day(day: date) -> datetime:
    """Midnight in France on `day`, as an aware instant."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


def flag_name(nature: str) -> str | None:
    """The flag that publishes this kind of event; None: it is never published."""
    if nature in PUBLIABLE_EN_LIGNE_KINDS:
        return "publiable_en_ligne"
    if nature in FAMILLE_AVISEE_KINDS:
        return "famille_avisee"
    return None


def publication_instant(nature: str, saisie_le: datetime, publiable_en_ligne: bool, famille_avisee: bool,
                        drapeau_le: datetime | None, annule: bool) -> datetime | None:
    """When the event becomes (or became) visible to families; None: not now
    that its flags are what they are, or never for its kind."""
    flag = flag_name(nature)
    if annule or flag is None:
        return None
    if not (publiable_en_ligne if flag == "publiable_en_ligne" else famille_avisee):
        return None
    day_after = start_of_day(saisie_le.astimezone(PARIS).date() + timedelta(days=1))
    return max(day_after, drapeau_le or saisie_le)


def is_visible(event, now: datetime) -> bool:
    instant = publication_instant(event.nature, event.saisie_le, event.publiable_en_ligne, event.famille_avisee,
                                  event.drapeau_le, event.annule)
    return instant is not None and instant <= now
