"""Demo data of the académie's services shown as links (services/accounts/liens.py):
the LPC, a cahier de textes, the ENT and Pix, declared by the operator through
the same RPC as the administration pages, some opened by each establishment."""
from common.rpc_client import RpcClient

LIENS = [
    {"nom": "Livret personnel de compétences (LPC)", "adresse": "https://lpc.ac-lille.fr/",
     "description": "Les compétences du socle validées au collège.", "audience": "tous",
     "types_etablissement": ["college"], "ordinateur_seulement": True},
    {"nom": "Cahier de textes", "adresse": "https://cahier-de-textes.ac-lille.fr/",
     "description": "Le travail à faire et le contenu des séances.", "audience": "tous",
     "types_etablissement": ["college", "lycee"], "ordinateur_seulement": False},
    {"nom": "ENT Hauts-de-France", "adresse": "https://enthdf.fr/",
     "description": "L'espace numérique de travail de l'académie.", "audience": "tous",
     "types_etablissement": ["college", "lycee"], "ordinateur_seulement": False},
    {"nom": "Pix", "adresse": "https://app.pix.fr/",
     "description": "Évaluer et certifier ses compétences numériques.", "audience": "eleves",
     "types_etablissement": ["college", "lycee"], "ordinateur_seulement": True},
]

# Which establishment opens which (by the start of the name): the first collège
# all of them, the second only the ENT, the lycée all that are meant for it.
OPENED = {"0599001A": ("Livret", "Cahier", "ENT", "Pix"), "0599002B": ("ENT",),
          "0599003C": ("Cahier", "ENT", "Pix")}


def fill(rpc: RpcClient, operator_id: int, heads: dict[str, int]) -> list[dict]:
    """Declare the links as the operator and open them as each establishment's
    head (`heads`: {uai: account_id}); returns the declared links."""
    declared = [rpc.call("accounts", "declare_lien", payload=lien, account_id=operator_id) for lien in LIENS]
    for uai, names in OPENED.items():
        if uai not in heads:
            continue
        for lien in declared:
            if lien["nom"].startswith(names):
                rpc.call("accounts", "set_lien_opening", uai=uai, lien_id=lien["id"], is_open=True,
                         account_id=heads[uai])
    print("Services académiques : " + ", ".join(lien["nom"] for lien in declared) + " ; ouverts : "
          + " ; ".join(f"{uai} {', '.join(names)}" for uai, names in OPENED.items() if uai in heads))
    return declared
