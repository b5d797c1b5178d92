"""Send a lycée's daily LSL replication file to the LSL service.

    python -m tools.import_lsl --uai 0599003C lsl-0599003C.xml

The file is the XML the LSL module exports (the public 2016 import schema's
shape, plus the elements of our own namespace docs/lsl.md describes), in any
encoding its XML declaration names. It goes, whole, to the service's
`replicate` RPC, the back-office entry point the demo generator also uses
(ARCHITECTURE rule 7). All or nothing: when the file is refused, every
problem is listed ("Élève 3001, année 2026-2027, matière 061300 : ...") and
the previous data stays (exit code 1). Sending the same file again changes
nothing, so a replication whose answer was lost can simply be sent again.
"""
import argparse
import re
import sys
from pathlib import Path

from common.errors import Forbidden, NotDeployed, Unavailable, ValidationError
from common.rpc_client import RpcClient
from tools.import_common import faults, run

DEFAULT_TIMEOUT = 300
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


class ReplicationRefused(Exception):
    """Nothing was replicated; the message, in French, says why."""


def read_xml(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReplicationRefused(f"Fichier illisible : {path} ({exc.strerror}).") from None
    declared = _DECLARED.match(raw)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise ReplicationRefused(f"{path.name} : le fichier n'est pas encodé en {encoding} comme il le déclare.") \
            from None


def replicate_file(rpc: RpcClient, uai: str, path: Path, timeout: float = DEFAULT_TIMEOUT) -> dict:
    uai = uai.strip().upper()
    xml = read_xml(path)
    try:
        return rpc.call("lsl", "replicate", timeout=timeout, uai=uai, xml=xml)
    except ValidationError as exc:
        raise ReplicationRefused(f"Fichier {path.name} refusé, rien n'a été modifié :\n  "
                                 + "\n  ".join(faults(exc))) from None
    except Forbidden as exc:
        raise ReplicationRefused(f"{exc.args[0] if exc.args else 'Refusé.'} Rien n'a été modifié.") from None
    except NotDeployed:
        raise ReplicationRefused("Le service LSL n'est pas démarré : rien n'a été modifié.") from None
    except Unavailable:
        raise ReplicationRefused(
            f"Le service LSL n'a pas répondu dans le délai ({timeout:.0f} s). La réplication a pu aboutir "
            "malgré tout : renvoyez le fichier, un envoi répété ne change rien.") from None


def format_report(uai: str, report: dict) -> str:
    e = report["eleves"]
    return (f"Réplication LSL : établissement {uai}\n"
            f"  élèves : {e['crees']} créé(s), {e['modifies']} modifié(s), {e['inchanges']} inchangé(s)\n"
            f"  nomenclature : {report['nomenclature']['modifiees']} entrée(s) ajoutée(s) ou modifiée(s)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_lsl",
        description="Envoie le fichier de réplication quotidienne du livret scolaire du lycée (XML, voir "
                    "docs/lsl.md) au service LSL. Tout ou rien : un fichier refusé ne modifie rien.")
    parser.add_argument("fichier", type=Path, metavar="FICHIER.xml")
    parser.add_argument("--uai", required=True, help="UAI du lycée")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES",
                        help=f"attente maximale de la réponse du service (défaut : {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    return run("import-lsl", lambda rpc: format_report(args.uai.strip().upper(), replicate_file(
        rpc, args.uai, args.fichier, timeout=args.delai)), service="LSL", refused=ReplicationRefused,
        cancelled="Réplication annulée : ")


if __name__ == "__main__":
    sys.exit(main())
