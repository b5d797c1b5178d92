"""What the fiche tells accounts for the home page's tile: one item per decided
change of the student's data, visible from the decision. Only the student's
data: both guardians see the student's tab, while a guardian's own data (and
the fact that it changed) is theirs alone."""
from common import news
from services.fiche.models import Demande

KIND = "fiche"
KINDS = {KIND: {"one": "1 modification de la fiche traitée", "many": "{n} modifications de la fiche traitées",
                "path": "/fiche/"}}


def items(decided: list[Demande]) -> list[dict]:
    return [news.item(f"demande:{d.id}", d.contexte_eleve_id, KIND, d.decidee_le) for d in decided if d.eleve_id]
