"""What the vie scolaire service tells accounts for the home page's tiles
(common.news): one item per event a family may see, keyed by the event,
visible from its publication instant (the one rule,
`publication.publication_instant`). An absence weighs its half-days, so the
tile reads "3 nouvelles demi-journées d'absence"; the other kinds count as
events. An event that stops being publishable (a flag removed, an "erreur de
saisie") is sent again with no instant: it is withdrawn."""
from datetime import time

from common import news
from services.vie_scolaire.counting import half_days
from services.vie_scolaire.models import ABSENCE
from services.vie_scolaire.publication import publication_instant

PATH = "/vie-scolaire/"
KINDS = {
    "absence": {"one": "1 nouvelle demi-journée d'absence", "many": "{n} nouvelles demi-journées d'absence",
                "path": PATH},
    "evenement": {"one": "1 nouvel évènement de vie scolaire", "many": "{n} nouveaux évènements de vie scolaire",
                  "path": PATH},
}


def item(event, split: time) -> dict:
    instant = publication_instant(event.nature, event.saisie_le, event.publiable_en_ligne, event.famille_avisee,
                                  event.drapeau_le, event.annule)
    if event.nature == ABSENCE:
        return news.item(f"evenement:{event.id}", event.eleve_id, "absence", instant,
                         weight=len(half_days(event.debut, event.fin, split)))
    return news.item(f"evenement:{event.id}", event.eleve_id, "evenement", instant)


def items(events, split: time) -> list[dict]:
    return [item(event, split) for event in events]
