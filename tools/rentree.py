"""The rollover of an académie to a new school year (FAQ "Suis-je obligé de
créer un nouveau compte chaque année ?").

    python -m tools.rentree --annee 2027 DOSSIER [--simulation] [--confirmer UAI ...]

DOSSIER holds one folder per establishment, named by its UAI, with that
establishment's SIECLE exports of the new year (as `tools.import_siecle`
reads them). Each establishment is imported in turn through the accounts
service's `import_siecle` (the same entry point as a single import): what
changed is updated, every account is kept, a student the file no longer holds
left (their family keeps what former students keep), a student who moved to
another establishment of the académie keeps their accounts, links that ended
are ended with when and why (services/accounts/rentree.py).

The services' openings are per school year: nothing is closed here, the new
year simply has no opening until each establishment's staff open it (the
fiche de renseignements, lycée enrollment and scholarships keep their
automatic rules). The summary says, per establishment, which services are
open for the new year.

An establishment whose file would detach most of its students is refused
(nothing changed for it) unless its UAI is given to `--confirmer`. Files of
another school year than `--annee` are refused. `--simulation` runs every
import and saves nothing. A progress bar shows on the terminal.
Exit code: 0, or 2 when an establishment was refused.
"""
import argparse
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from common.clock import Clock, school_year
from common.config import amqp_uri, clock_file
from common.deployment import REQUIRED, feature_services
from common.errors import NotDeployed, Unavailable
from common.rpc_client import RpcClient
from contract.etablissement import is_uai
from services.accounts.siecle import SiecleFileError, read_paths
from tools.import_common import ImportRefused
from tools.import_siecle import DEFAULT_TIMEOUT, import_files

# The counts the summary shows, per establishment and in total.
COLUMNS = {
    "eleves": "élèves",
    "nouveaux": "nouveaux",
    "sortis": "sortis",
    "suivis": "comptes conservés (changement d'établissement)",
    "comptes_crees": "comptes créés",
    "liens_termines": "liens terminés",
    "inchanges": "inchangés",
}


def establishments(folder: Path) -> list[tuple[str, list[Path]]]:
    """(UAI, its export files) for each folder named by a UAI, in UAI order."""
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        uai = sub.name.strip().upper()
        if is_uai(uai):
            files = sorted(p for p in sub.iterdir() if p.is_file() and p.suffix.lower() in (".xml", ".zip"))
            out.append((uai, files))
    return out


def counts(report: dict) -> Counter:
    created, updated, unchanged = report["created"], report["updated"], report.get("unchanged", {})
    c = Counter()
    c["nouveaux"] = created.get("eleves", 0)
    c["sortis"] = updated.get("eleves_sortis", 0)
    c["suivis"] = updated.get("comptes_eleves_suivis", 0) + updated.get("comptes_responsables_suivis", 0)
    c["comptes_crees"] = created.get("comptes_eleves", 0) + created.get("comptes_responsables", 0)
    c["liens_termines"] = updated.get("liens_termines", 0)
    c["inchanges"] = unchanged.get("eleves", 0)
    c["eleves"] = (c["nouveaux"] + updated.get("eleves", 0) + updated.get("eleves_revenus", 0) + c["inchanges"])
    return c


def check_year(files: list[Path], uai: str, annee: int) -> None:
    """Refuses last year's files given by mistake (ImportRefused)."""
    try:
        lecture = read_paths(files, uai)
    except SiecleFileError as exc:
        raise ImportRefused(f"{exc} Rien n'a été importé.") from None
    if lecture.annee_scolaire and lecture.annee_scolaire.isdigit() and int(lecture.annee_scolaire) != annee:
        year = int(lecture.annee_scolaire)
        raise ImportRefused(f"Les fichiers sont de l'année scolaire {year}-{year + 1}, pas de {annee}-{annee + 1}. "
                            "Rien n'a été importé.")


def openings(rpc: RpcClient, uais: list[str], annee: int, services: dict) -> dict[str, list[str]]:
    """{uai: [labels of the services open for `annee`]} from each deployed
    feature service (each owns its openings); a service that does not answer
    is left out of the summary."""
    out = {uai: [] for uai in uais}
    for name, settings in services.items():
        try:
            answer = rpc.call(name, "get_openings", uais=uais, annee_scolaire=annee, timeout=30)
        except (NotDeployed, Unavailable):
            continue
        for uai, state in answer.items():
            if state["open"]:
                out[uai].append(settings.get("label", name))
    return out


def run(rpc: RpcClient, folder: Path, annee: int, dry_run: bool = False, confirm: tuple[str, ...] = (),
        progress=None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Import every establishment of `folder`. Returns {"etablissements":
    [{"uai", "nom", "counts" | "refus"}], "total": Counter}."""
    rows, total = [], Counter()
    todo = establishments(folder)
    bar = progress(total=len(todo), unit="établissement", desc="Rentrée") if progress else None
    for uai, files in todo:
        row = {"uai": uai, "nom": uai}
        try:
            check_year(files, uai, annee)
            report = import_files(rpc, files, uai, timeout=timeout, confirm=uai in confirm, dry_run=dry_run)
        except ImportRefused as exc:
            row["refus"] = str(exc)
        else:
            row["nom"] = report["etablissement"]["nom"]
            if report.get("refused"):
                row["refus"] = report["refused"]["message"] + f" (--confirmer {uai})"
            else:
                row["counts"] = counts(report)
                total.update(row["counts"])
        rows.append(row)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return {"etablissements": rows, "total": total}


def format_summary(result: dict, annee: int, dry_run: bool, opened: dict[str, list[str]]) -> str:
    lines = [f"Rentrée {annee}-{annee + 1}" + (" — simulation : rien n'a été enregistré" if dry_run else "")]
    for row in result["etablissements"]:
        lines.append("")
        lines.append(f"{row['uai']} {row['nom']}")
        if "refus" in row:
            lines.append(f"  REFUSÉ : {row['refus']}")
            continue
        lines.append("  " + ", ".join(f"{label} : {row['counts'][key]}" for key, label in COLUMNS.items()))
        services = opened.get(row["uai"])
        if services is not None:
            lines.append("  services ouverts pour l'année : " + (", ".join(services) if services else
                                                                 "aucun (l'établissement les ouvrira)"))
    lines.append("")
    done = [r for r in result["etablissements"] if "refus" not in r]
    lines.append(f"Total ({len(done)} établissements importés, "
                 f"{len(result['etablissements']) - len(done)} refusés) : "
                 + ", ".join(f"{label} : {result['total'][key]}" for key, label in COLUMNS.items()))
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tools.rentree",
        description="Passe l'académie à la nouvelle année scolaire : importe les exports SIECLE de chaque "
                    "établissement (un dossier par UAI) et affiche ce qui a été fait.")
    parser.add_argument("dossier", type=Path, help="dossier contenant un sous-dossier par UAI")
    parser.add_argument("--annee", type=int, help="première année de l'année scolaire (par exemple 2027 pour "
                                                  "2027-2028) ; par défaut l'année en cours")
    parser.add_argument("--simulation", "--dry-run", action="store_true", dest="dry_run",
                        help="tout importer sans rien enregistrer")
    parser.add_argument("--confirmer", nargs="*", default=(), metavar="UAI",
                        help="établissements dont l'import peut détacher la plupart des élèves (départs réels)")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES",
                        help="attente maximale de chaque import")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.dossier.is_dir():
        print(f"Rentrée annulée : {args.dossier} n'est pas un dossier.", file=sys.stderr)
        return 1
    annee = args.annee or school_year(Clock(clock_file()).today())
    rpc = RpcClient(amqp_uri(), timeout=30, client_name="rentree")
    try:
        result = run(rpc, args.dossier, annee, dry_run=args.dry_run,
                     confirm=tuple(u.strip().upper() for u in args.confirmer),
                     progress=lambda **kw: tqdm(file=sys.stderr, **kw), timeout=args.delai)
        imported = [r["uai"] for r in result["etablissements"] if "refus" not in r]
        services = {k: v for k, v in feature_services().items() if k not in REQUIRED}
        opened = openings(rpc, imported, annee, services) if imported else {}
    finally:
        rpc.close()
    print(format_summary(result, annee, args.dry_run, opened))
    return 2 if any("refus" in r for r in result["etablissements"]) else 0


if __name__ == "__main__":
    sys.exit(main())
