"""Bourses for the demo académie, through the service's back-office entry
points (the same as `tools.import_bourses` and the administration pages):

- the 2024-2025 barème from the data file (the published figures of the
  domain sheet, tools/data/bareme_bourses_2024-2025.csv);
- the same figures as the barème of the demo's current school year: the
  figures of 2025-2026 and later were not found (docs/bourses.md), and the
  demo needs a barème to estimate with. It is demo data, not a published barème;
- a collège and a lycée campaign open around the demo clock's today, so that
  families see the service in their menu (move the clock past the closing day
  to see the page after the deadline).

    from tools import demo_bourses
    demo_bourses.fill(rpc, clock)
"""
from datetime import timedelta

from common.clock import Clock, school_year
from common.config import ROOT
from common.rpc_client import RpcClient
from tools.import_bourses import import_bareme, read_bareme

BAREME_FILE = ROOT / "tools" / "data" / "bareme_bourses_2024-2025.csv"


def fill(rpc: RpcClient, clock: Clock) -> None:
    for line in import_bareme(rpc, BAREME_FILE):
        print(line)
    today = clock.today()
    annee = school_year(today)
    for (_year, niveau), echelons in read_bareme(BAREME_FILE).items():
        rpc.call("bourses", "load_bareme", annee_scolaire=annee, niveau=niveau, echelons=echelons)
    for niveau in ("college", "lycee"):
        saved = rpc.call("bourses", "save_campagne", account_id=None, form={
            "annee_scolaire": annee, "niveau": niveau, "ouverture": (today - timedelta(days=14)).isoformat(),
            "cloture": (today + timedelta(days=30)).isoformat()})
        print(f"Bourses : campagne {niveau} {saved['annee_scolaire_texte']} ouverte du {saved['ouverture_texte']} "
              f"au {saved['cloture_texte']} (barème de démonstration : chiffres 2024-2025).")
