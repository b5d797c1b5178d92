"""What the vie scolaire service tells accounts for the home page's tiles
(common.news), visible from each event's publication instant (the one rule,
`publication.publication_instant`):

- absences make the running total of the guide's example tile (§ 3.1),
  "5 demi-journées d'absence ce trimestre": a cumulative kind, one item per
  absence and period it touches, weighing its half-days in that period,
  counting from its publication until the period ends (the next period's
  first day: holidays belong to the period before, as on the page). The
  wording follows the class's calendar: "ce trimestre", "ce semestre", or
  "cette année scolaire" for a class without one;
- the other kinds count as "2 nouveaux évènements de vie scolaire" since the
  previous connection.

An event that stops being publishable (a flag removed, an "erreur de saisie")
is sent again with no instant: it is withdrawn. A new calendar or half-day
boundary sends the year's absences again."""
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from common import news
from services.vie_scolaire.counting import half_days
from services.vie_scolaire.models import ABSENCE
from services.vie_scolaire.pages import period_index, periods_for
from services.vie_scolaire.publication import publication_instant, start_of_day

PATH = "/vie-scolaire/"
# Numbers a period can have (1–2 semesters or 1–3 trimesters): an absence's
# items of the other numbers are withdrawn, should its calendar have changed.
PERIOD_NUMBERS = (1, 2, 3)
ABSENCE_KINDS = {3: "absence_trimestre", 2: "absence_semestre", 1: "absence_annee"}
KINDS = {
    "absence_trimestre": {"one": "1 demi-journée d'absence ce trimestre",
                          "many": "{n} demi-journées d'absence ce trimestre", "path": PATH, "cumulative": True},
    "absence_semestre": {"one": "1 demi-journée d'absence ce semestre",
                         "many": "{n} demi-journées d'absence ce semestre", "path": PATH, "cumulative": True},
    "absence_annee": {"one": "1 demi-journée d'absence cette année scolaire",
                      "many": "{n} demi-journées d'absence cette année scolaire", "path": PATH, "cumulative": True},
    "evenement": {"one": "1 nouvel évènement de vie scolaire", "many": "{n} nouveaux évènements de vie scolaire",
                  "path": PATH},
}


def period_windows(periods: list[dict], year: int) -> list[tuple[datetime, datetime]]:
    """Each period's [start, end) in instants: from its first day (the school
    year's for the first) to the next period's first day (the next school
    year's for the last)."""
    starts = [date(year, 9, 1)] + [p["debut"] for p in periods[1:]] + [date(year + 1, 9, 1)]
    return [(start_of_day(starts[i]), start_of_day(starts[i + 1])) for i in range(len(periods))]


def absence_items(event, instant, split: time, periods: list[dict]) -> list[dict]:
    windows = period_windows(periods, event.annee_scolaire)
    kind = ABSENCE_KINDS.get(len(periods), "absence_trimestre")
    weights = {}
    for day, _moment in half_days(event.debut, event.fin, split):
        index = period_index(periods, day)
        weights[index] = weights.get(index, 0) + 1
    out = []
    for numero in PERIOD_NUMBERS:
        index = next((i for i, p in enumerate(periods) if p["numero"] == numero), None)
        start = end = None
        if instant is not None and index is not None and weights.get(index):
            start, end = max(instant, windows[index][0]), windows[index][1]
            if start >= end:
                start = None
        out.append(news.item(f"evenement:{event.id}:periode:{numero}", event.eleve_id, kind, start,
                             weight=weights.get(index, 0) if index is not None else 0, visible_until=end))
    return out


def items(db: Session, events, split: time) -> list[dict]:
    out, calendars = [], {}
    for event in events:
        instant = publication_instant(event.nature, event.saisie_le, event.publiable_en_ligne,
                                      event.famille_avisee, event.drapeau_le, event.annule)
        if event.nature != ABSENCE:
            out.append(news.item(f"evenement:{event.id}", event.eleve_id, "evenement", instant))
            continue
        key = (event.etablissement_uai, event.eleve_id, event.annee_scolaire)
        if key not in calendars:
            calendars[key] = periods_for(db, *key)
        out.extend(absence_items(event, instant, split, calendars[key]))
    return out
