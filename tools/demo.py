"""The demo académie, built through the platform's own entry points (the
accounts service's RPC, as the SIECLE import does): 2 collèges and 1 lycée, a
family with siblings in two schools, a child whose two guardians hold separate
accounts, a guardian with two children in one school, an adult student.

`python -m tools.demo` writes the demo accounts' identifiers and provisional
passwords to var/demo-comptes.txt.
"""
import sys
from pathlib import Path

from common.config import amqp_uri, var_dir
from common.rpc_client import RpcClient

ETABLISSEMENTS = [
    {"uai": "0599001A", "nom": "COLLÈGE JEAN MOULIN", "type": "college", "commune": "WATTIGNIES"},
    {"uai": "0599002B", "nom": "COLLÈGE MARIE CURIE", "type": "college", "commune": "SECLIN"},
    {"uai": "0599003C", "nom": "LYCÉE MARGUERITE DE FLANDRE", "type": "lycee", "commune": "GONDECOURT"},
]

# (établissement, SIECLE id, nom, prénom, date de naissance, classe)
ELEVES = [
    ("0599001A", "1001", "MARTIN", "Hugo", "2012-04-04", "5A"),
    ("0599001A", "1002", "MARTIN", "Léa", "2014-01-02", "6B"),
    ("0599003C", "3001", "MARTIN", "Sarah", "2009-02-21", "2NDE 3"),
    ("0599002B", "2001", "BERNARD", "Inès", "2011-09-15", "4C"),
    ("0599002B", "2002", "NGUYEN", "Thomas", "2011-05-30", "4C"),
    ("0599003C", "3002", "LEFEBVRE", "Lucas", "2007-03-12", "TERM 2"),
]

# (établissement, SIECLE id, civilité, nom, prénom, [(élève, niveau, parenté)])
PERSONNES = [
    ("0599001A", "5001", "M.", "MARTIN", "Philippe", [("1001", 1, "20"), ("1002", 1, "20")]),
    ("0599003C", "7001", "M.", "MARTIN", "Philippe", [("3001", 1, "20")]),
    ("0599002B", "6001", "MME", "BERNARD", "Nadia", [("2001", 1, "10")]),
    ("0599002B", "6002", "M.", "BERNARD", "Karim", [("2001", 1, "20")]),
    ("0599002B", "6003", "MME", "NGUYEN", "Anh", [("2002", 1, "10")]),
    ("0599003C", "7002", "MME", "LEFEBVRE", "Sophie", [("3002", 1, "10")]),
]

STORIES = {
    "Philippe MARTIN": "responsable : Hugo et Léa au collège Jean Moulin (un compte), Sarah au lycée (un autre compte, à regrouper)",
    "Nadia BERNARD": "responsable d'Inès ; l'autre parent, Karim BERNARD, a son propre compte",
    "Karim BERNARD": "responsable d'Inès ; l'autre parent, Nadia BERNARD, a son propre compte",
    "Lucas LEFEBVRE": "élève majeur du lycée",
}


def payload(uai: str) -> dict:
    etab = next(e for e in ETABLISSEMENTS if e["uai"] == uai)
    eleves = [{"siecle_eleve_id": i, "nom": n, "prenom": p, "date_naissance": d, "classe": c}
              for (u, i, n, p, d, c) in ELEVES if u == uai]
    personnes, liens = [], []
    for (u, pid, civ, nom, prenom, links) in PERSONNES:
        if u != uai:
            continue
        personnes.append({"siecle_personne_id": pid, "civilite": civ, "nom": nom, "prenom": prenom})
        liens += [{"siecle_eleve_id": e, "siecle_personne_id": pid, "niveau_responsabilite": niveau,
                   "code_parente": parente} for (e, niveau, parente) in links]
    return {"etablissement": etab, "eleves": eleves, "personnes": personnes, "liens": liens}


def build(rpc: RpcClient) -> list[dict]:
    letters = []
    for etab in ETABLISSEMENTS:
        rpc.call("accounts", "import_siecle", payload=payload(etab["uai"]))
        for letter in rpc.call("accounts", "issue_letters", uai=etab["uai"]):
            letters.append({**letter, "etablissement": etab["nom"]})
    return letters


def write_credentials(letters: list[dict], path: Path) -> None:
    lines = ["# Comptes de démonstration (mots de passe provisoires, valables 3 mois).",
             "# identifiant | mot de passe | rôle | personne | établissement | remarque", ""]
    for letter in letters:
        who = f"{letter['prenom']} {letter['nom']}"
        role = "élève" if letter["role"] == "eleve" else "responsable"
        lines.append(" | ".join([letter["identifiant"], letter["password"] or "(inchangé)", role, who,
                                 letter["etablissement"], STORIES.get(who, "")]).rstrip(" |"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    rpc = RpcClient(amqp_uri(), timeout=120, client_name="demo")
    try:
        letters = build(rpc)
    finally:
        rpc.close()
    path = var_dir() / "demo-comptes.txt"
    write_credentials(letters, path)
    print(f"Académie de démonstration créée : {len(letters)} comptes, identifiants dans {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
