"""Import an establishment's SIECLE exports into the accounts service.

    python -m tools.import_siecle --uai 0599001A --nom "COLLÈGE JEAN MOULIN" --type college \\
        --commune WATTIGNIES ExportXML_ElevesSansAdresses.zip ResponsablesAvecAdresses.xml

Reads the files (`.xml`, or `.zip` holding one XML file; see
`services.accounts.siecle`), checks they are this establishment's, and sends
one payload to the accounts service's `import_siecle` RPC, the back-office
entry point (ARCHITECTURE rule 7). Prints, in French, what was created,
updated and skipped, and why. A file that cannot be imported stops everything
before anything is sent: exit code 1 and a French message.

The exports carry the establishment's UAI but not its name: `--nom` and
`--type` are needed on the first import and default to what the accounts
service already knows afterwards. docs/operations.md has the procedure.
The demo generator (`tools/demo.py`) imports through `import_files` too.
"""
import argparse
import sys
from pathlib import Path

from common.errors import NotDeployed, NotFound, Unavailable, ValidationError
from common.rpc_client import RpcClient
from contract.etablissement import is_uai
from services.accounts.siecle import SUPPORTED, SiecleFileError, read_paths
from tools.import_common import ImportRefused, run

# An import creates thousands of accounts; it must not be cut short like a page's query.
DEFAULT_TIMEOUT = 600
TYPES = {"college": "collège", "lycee": "lycée"}

COUNT_LABELS = {
    "etablissements": "établissement",
    "eleves": "élèves",
    "comptes_eleves": "comptes élèves",
    "eleves_sortis": "élèves sortis (liens terminés, comptes conservés)",
    "responsables": "responsables",
    "comptes_responsables": "comptes responsables",
    "liens": "liens élève – responsable",
    "comptes_eleves_suivis": "comptes élèves conservés (élèves venus d'un autre établissement de l'académie)",
    "comptes_responsables_suivis": "comptes responsables conservés (enfant venu d'un autre établissement)",
    "eleves_revenus": "élèves revenus dans l'établissement",
    "liens_termines": "liens terminés (absents du fichier)",
    "liens_repris": "liens repris",
}


def import_files(rpc: RpcClient, paths: list[Path], uai: str, nom: str | None = None,
                 type_: str | None = None, commune: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 confirm: bool = False, dry_run: bool = False) -> dict:
    """Read the files and import them. Returns the report: the accounts
    service's (`created`, `updated`, `skipped`) with the records the files
    themselves could not give first in `skipped`, plus `etablissement`,
    `annee_scolaire` and `fichiers`; `refused` when the accounts service
    refused a file that would detach most students (nothing changed, see
    `confirm`); `dry_run` when nothing was saved. Raises ImportRefused before
    sending anything when a file does not fit."""
    uai = uai.strip().upper()
    if not is_uai(uai):
        raise ImportRefused(f"Code UAI invalide : {uai} (7 chiffres et une lettre).")
    try:
        lecture = read_paths(paths, uai)
    except SiecleFileError as exc:
        raise ImportRefused(f"{exc} Rien n'a été importé.") from None
    etablissement = _etablissement(rpc, uai, nom, type_, commune)
    try:
        report = rpc.call("accounts", "import_siecle", payload=lecture.payload(etablissement), timeout=timeout,
                          confirm=confirm, dry_run=dry_run)
    except ValidationError as exc:
        raise ImportRefused(
            f"Le service des comptes a refusé l'import : {_flatten(exc.errors)}. Rien n'a été importé.") from None
    except NotDeployed:
        raise ImportRefused("Le service des comptes n'est pas démarré : rien n'a été importé.") from None
    except Unavailable:
        raise ImportRefused(
            f"Le service des comptes n'a pas répondu dans le délai ({timeout:.0f} s). L'import a pu aboutir "
            "malgré tout : relancez-le, il met à jour sans créer de doublons.") from None
    report["skipped"] = lecture.skipped + report["skipped"]
    report["etablissement"] = etablissement
    report["annee_scolaire"] = lecture.annee_scolaire
    report["fichiers"] = [{"nom": f.name, "contenu": SUPPORTED[f.kind]} for f in lecture.files]
    return report


def _etablissement(rpc, uai, nom, type_, commune) -> dict:
    """The establishment as given; what is not given comes from what the
    accounts service knows, so a yearly re-import needs only the UAI."""
    if nom and type_:
        return {"uai": uai, "nom": nom, "type": type_, "commune": commune or ""}
    try:
        known = rpc.call("accounts", "get_etablissement", uai=uai)
    except NotFound:
        raise ImportRefused(
            f"L'établissement {uai} n'est pas encore connu : indiquez son nom (--nom) et son type "
            "(--type college ou lycee) pour ce premier import ; les fichiers SIECLE ne les contiennent pas. "
            "Rien n'a été importé.") from None
    except Unavailable:
        raise ImportRefused("Le service des comptes ne répond pas : rien n'a été importé.") from None
    return {"uai": uai, "nom": nom or known["nom"], "type": type_ or known["type"],
            "commune": commune if commune is not None else known["commune"]}


def _flatten(errors, path=()) -> str:
    if isinstance(errors, dict):
        return "; ".join(_flatten(v, path + (str(k),)) for k, v in errors.items())
    text = " ".join(map(str, errors)) if isinstance(errors, list) else str(errors)
    return f"{'.'.join(path)} : {text}" if path else text


def format_report(report: dict) -> str:
    etab = report["etablissement"]
    year = report.get("annee_scolaire")
    lines = [f"Import SIECLE : {etab['nom']} ({etab['uai']}, {TYPES.get(etab['type'], etab['type'])})"
             + (f", année scolaire {year}-{int(year) + 1}" if year and year.isdigit() else "")]
    for f in report.get("fichiers", []):
        lines.append(f"  {f['nom']} : {f['contenu']}")
    if report.get("refused"):
        return "\n".join(lines + ["", report["refused"]["message"]] + [
            f"  - {who}" for who in report["refused"]["exemples"]])
    if report.get("dry_run"):
        lines.append("Simulation : rien n'a été enregistré.")
    for title, counts in (("Créés", report["created"]), ("Mis à jour", report["updated"]),
                          ("Inchangés", report.get("unchanged", {}))):
        lines.append("")
        if not counts:
            lines.append(f"{title} : aucun")
            continue
        lines.append(f"{title} :")
        for key in list(COUNT_LABELS) + sorted(set(counts) - set(COUNT_LABELS)):
            if counts.get(key):
                lines.append(f"  {COUNT_LABELS.get(key, key)} : {counts[key]}")
    lines.append("")
    skipped = report["skipped"]
    lines.append(f"Ignorés : {len(skipped)}" + (" (enregistrement : raison)" if skipped else ""))
    for item in skipped:
        lines.append(f"  - {item['ref']} : {item['reason']}")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_siecle",
        description="Importe les exports XML SIECLE d'un établissement (élèves, responsables ; "
                    ".xml ou .zip) dans le service des comptes.")
    parser.add_argument("fichiers", nargs="+", type=Path, metavar="FICHIER",
                        help="ElevesSansAdresses (.xml ou .zip), ResponsablesAvecAdresses, "
                             "et facultativement Structures.xml pour les libellés des classes")
    parser.add_argument("--uai", required=True, help="UAI de l'établissement, vérifié dans chaque fichier")
    parser.add_argument("--nom", help="nom de l'établissement (obligatoire au premier import)")
    parser.add_argument("--type", choices=sorted(TYPES), dest="type_",
                        help="college ou lycee (obligatoire au premier import)")
    parser.add_argument("--commune", help="commune de l'établissement")
    parser.add_argument("--confirmer", action="store_true", dest="confirm",
                        help="importer même si le fichier détache la plupart des élèves (départs réels)")
    parser.add_argument("--simulation", action="store_true", dest="dry_run",
                        help="afficher ce que l'import ferait, sans rien enregistrer")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES",
                        help=f"attente maximale de la réponse du service des comptes (défaut : {DEFAULT_TIMEOUT})")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)

    def work(rpc):
        report = import_files(rpc, args.fichiers, args.uai, nom=args.nom, type_=args.type_, commune=args.commune,
                              timeout=args.delai, confirm=args.confirm, dry_run=args.dry_run)
        return format_report(report), 2 if report.get("refused") else 0

    return run("import-siecle", work, service="des comptes")


if __name__ == "__main__":
    sys.exit(main())
