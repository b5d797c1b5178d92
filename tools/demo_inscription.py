"""Lycée enrollment for the demo académie, through the service's back-office
entry points (the same as `tools.import_inscription` and the administration
pages):

- the rentrée's campaign open around the demo clock's today (from yesterday
  14:30 to six days later 23:59), so that guardians of the collèges'
  3e students see "Inscription au lycée" in their child's menu (move the
  clock past the closing instant to see the page after the deadline);
- every 3e student of the demo's collèges assigned at the first round to the
  demo lycée (2nde générale et technologique, one in 2nde professionnelle),
  with their vœux; the lycée's offer (languages, options, a section) and its
  message to families.

    from tools import demo_inscription
    demo_inscription.fill(rpc, clock, colleges, lycee)
"""
from datetime import datetime, time, timedelta

from common.clock import PARIS, Clock, school_year
from common.rpc_client import RpcClient

MEF_2GT, MEF_2PRO = "20010010110", "24323103210"
OFFRES = [
    {"mef": MEF_2GT, "max_options": 2,
     "lv1": [{"code": "AGL1", "libelle": "Anglais"}, {"code": "ALL1", "libelle": "Allemand"}],
     "lv2": [{"code": "ESP2", "libelle": "Espagnol"}, {"code": "ALL2", "libelle": "Allemand"},
             {"code": "AGL2", "libelle": "Anglais"}],
     "options": [{"code": "LATIN", "libelle": "Latin"}, {"code": "LVC_CHINOIS", "libelle": "Chinois (LV C)"},
                 {"code": "ARTS_PLA", "libelle": "Arts plastiques"},
                 {"code": "EPS", "libelle": "Éducation physique et sportive"}],
     "sections": [{"code": "EURO_AGL", "libelle": "Section européenne anglais"}]},
    {"mef": MEF_2PRO, "max_options": 0, "lv1": [{"code": "AGL1", "libelle": "Anglais"}], "lv2": [], "options": [],
     "sections": []},
]
MESSAGE = ("Bienvenue au lycée Marguerite de Flandre !\nNous attendons votre enfant le 1er septembre à 10\u00a0h dans "
           "la cour principale de l'établissement. Son professeur principal lui présentera ses professeurs et son "
           "emploi du temps.\nBien cordialement,\nLa proviseure")


def fill(rpc: RpcClient, clock: Clock, colleges: list[tuple[str, str, str]], lycee: tuple[str, str, str, str]) -> None:
    """`colleges`: (uai, nom, commune) of each collège; `lycee`: (uai, nom,
    code postal, commune) of the assigned lycée."""
    today = clock.today()
    rentree = school_year(today) + 1
    ouverture = datetime.combine(today - timedelta(days=1), time(14, 30), tzinfo=PARIS)
    cloture = datetime.combine(today + timedelta(days=6), time(23, 59), tzinfo=PARIS)
    saved = rpc.call("inscription", "save_campagne", account_id=None, form={
        "annee_scolaire": rentree, "ouverture": ouverture.isoformat(), "cloture": cloture.isoformat()})
    lycee_uai, lycee_nom, code_postal, commune = lycee
    rows = []
    for uai, nom, _commune in colleges:
        troisiemes = [e for e in rpc.call("accounts", "list_eleves", uai=uai)
                      if (e.get("classe") or "").startswith("3") and e.get("ine")]
        for n, eleve in enumerate(troisiemes):
            pro = n == len(troisiemes) - 1 and n > 0
            rows.append({
                "ine": eleve["ine"], "nom": eleve["nom"], "prenom": eleve["prenom"], "college_uai": uai,
                "college_nom": nom, "college_prive": "N", "college_telephone": "03 20 81 00 00",
                "college_email": f"direction.{uai.lower()}@example.org", "lycee_uai": lycee_uai,
                "lycee_nom": lycee_nom, "lycee_public": "O", "lycee_adresse": "4 RUE DU MARÉCHAL LEDUC",
                "lycee_code_postal": code_postal, "lycee_commune": commune, "lycee_academie": "LILLE",
                "mef": MEF_2PRO if pro else MEF_2GT, "formation_type": "2PRO" if pro else "2GT",
                "formation": "2nde professionnelle Métiers de la relation client" if pro
                else "2nde générale et technologique",
                "sections": [] if pro else (["Section européenne anglais"] if n % 3 == 0 else []), "tour": 1,
                "voeux": [{"rang": 1, "libelle": f"{lycee_nom} – {'2nde pro' if pro else '2nde GT'}",
                           "resultat": "Affecté"}]})
    report = rpc.call("inscription", "import_affectations", annee_scolaire=rentree, lignes=rows)
    rpc.call("inscription", "import_offres", offres=[{**o, "lycee_uai": lycee_uai} for o in OFFRES])
    rpc.call("inscription", "set_message_lycee", uai=lycee_uai, message=MESSAGE, account_id=None)
    print(f"Inscription au lycée : campagne de la rentrée {saved['rentree_texte']} du {saved['ouverture_texte']} au "
          f"{saved['cloture_texte']} ; {report['creees'] + report['mises_a_jour']} élève(s) de 3e affecté(s) au "
          f"{lycee_nom}.")
