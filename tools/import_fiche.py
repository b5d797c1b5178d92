"""Import an establishment's SIECLE exports into the fiche de renseignements.

    python -m tools.import_fiche --uai 0599001A ExportXML_ElevesSansAdresses.zip ResponsablesAvecAdresses.xml

The same files as `tools.import_siecle` (the accounts import), read and
checked by the same code (`.xml` or `.zip`, the establishment's UAI, one
school year), then the fiche's fields (birth place, régime, addresses, phones,
profession, consents...) go to the fiche service's `import_siecle` RPC, its
back-office entry point (ARCHITECTURE rule 7). Run it after the accounts
import, with the same files, at each new export. Prints, in French, what was
created, updated and skipped. A file that cannot be imported stops everything
before anything is sent: exit code 1 and a French message.

`--nom` names the establishment in the confirmation e-mails; without it the
accounts service's name is used. docs/fiche.md has the details.
"""
import argparse
import sys
from pathlib import Path

from common.config import amqp_uri
from common.errors import NotDeployed, NotFound, Unavailable, ValidationError
from common.rpc_client import RpcClient
from contract.etablissement import is_uai
from services.accounts.siecle import SiecleFileError
from services.fiche import siecle

DEFAULT_TIMEOUT = 600
COUNT_LABELS = {"eleves": "élèves", "responsables": "responsables", "liens": "liens élève – responsable",
                "eleves_sortis": "élèves sortis ou absents des fichiers (fiches fermées)"}


class ImportRefused(Exception):
    """Nothing was imported; the message, in French, says why."""


def import_files(rpc: RpcClient, paths: list[Path], uai: str, nom: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Read the files and import them into the fiche service. Returns its
    report (`created`, `updated`, `skipped`). Raises ImportRefused before
    sending anything when a file does not fit."""
    uai = uai.strip().upper()
    if not is_uai(uai):
        raise ImportRefused(f"Code UAI invalide : {uai} (7 chiffres et une lettre).")
    try:
        _lecture, payload = siecle.read(paths, uai)
    except SiecleFileError as exc:
        raise ImportRefused(f"{exc} Rien n'a été importé.") from None
    if not nom:
        try:
            nom = rpc.call("accounts", "get_etablissement", uai=uai)["nom"]
        except NotFound:
            raise ImportRefused(f"L'établissement {uai} n'est pas connu : importez d'abord ses fichiers dans le "
                                "service des comptes (tools.import_siecle), ou indiquez son nom (--nom).") from None
        except Unavailable:
            raise ImportRefused("Le service des comptes ne répond pas : rien n'a été importé.") from None
    payload["etablissement"] = {"uai": uai, "nom": nom}
    try:
        return rpc.call("fiche", "import_siecle", payload=payload, timeout=timeout)
    except ValidationError as exc:
        raise ImportRefused(f"Le service de la fiche de renseignements a refusé l'import : {exc.errors}. "
                            "Rien n'a été importé.") from None
    except NotDeployed:
        raise ImportRefused("Le service de la fiche de renseignements n'est pas déployé : rien n'a été "
                            "importé.") from None
    except Unavailable:
        raise ImportRefused(f"Le service de la fiche de renseignements n'a pas répondu dans le délai "
                            f"({timeout:.0f} s). L'import a pu aboutir malgré tout : relancez-le, il met à jour "
                            "sans créer de doublons.") from None


def format_report(uai: str, report: dict) -> str:
    lines = [f"Import de la fiche de renseignements : {uai}"]
    for title, counts in (("Créés", report["created"]), ("Mis à jour", report["updated"])):
        shown = [(key, n) for key, n in counts.items() if n]
        lines.append(f"{title} : " + (", ".join(f"{COUNT_LABELS.get(k, k)} {n}" for k, n in shown) or "aucun"))
    lines.append(f"Ignorés : {len(report['skipped'])}")
    lines += [f"  - {item['ref']} : {item['reason']}" for item in report["skipped"]]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_fiche",
        description="Importe les exports XML SIECLE d'un établissement (élèves, responsables avec adresses ; "
                    ".xml ou .zip) dans la fiche de renseignements.")
    parser.add_argument("fichiers", nargs="+", type=Path, metavar="FICHIER")
    parser.add_argument("--uai", required=True, help="UAI de l'établissement, vérifié dans chaque fichier")
    parser.add_argument("--nom", help="nom de l'établissement dans les courriels (défaut : celui du service des "
                                      "comptes)")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES")
    args = parser.parse_args(argv)
    rpc = RpcClient(amqp_uri(), timeout=30, client_name="import-fiche")
    try:
        report = import_files(rpc, args.fichiers, args.uai, nom=args.nom, timeout=args.delai)
    except ImportRefused as exc:
        print(f"Import annulé : {exc}", file=sys.stderr)
        return 1
    finally:
        rpc.close()
    print(format_report(args.uai.strip().upper(), report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
