"""What the LSL service tells accounts for the home page's tiles (common.news):
the final livret once the school publishes it."""
from common import news

DEFINITIF = "lsl_definitif"
KINDS = {DEFINITIF: {"one": "Livret scolaire définitif disponible", "many": "{n} livrets scolaires définitifs",
                     "path": "/lsl/"}}


def definitif(eleve_id: int, published_at) -> dict:
    return news.item(f"lsl-definitif:{eleve_id}", eleve_id, DEFINITIF, published_at)
