"""Import an establishment's subjects and grades into the notes service.

    python -m tools.import_notes --uai 0599001A --matieres matieres.csv notes.csv
    python -m tools.import_notes --uai 0599001A notes.csv

The files are CSV as a spreadsheet saves them (separator `;` or `,`, UTF-8 or
Windows-1252), with a header line; docs/notes.md describes their columns. Each
file goes, whole, to the notes service's RPC (`import_matieres`, then
`import_evaluations`), the back-office entry points the demo generator also
uses (ARCHITECTURE rule 7). An import is all or nothing: when a line is
refused, every faulty line is listed ("Ligne 12, colonne « note » : ...") and
nothing of that file is written (exit code 1).
"""
import argparse
import sys
from pathlib import Path

from common.rpc_client import RpcClient
from tools.import_common import call, read_csv, run

DEFAULT_TIMEOUT = 300
GRADE_COLUMNS = ("evaluation", "matiere", "groupe", "enseignants", "date", "titre", "coefficient", "bareme",
                 "date_publication", "eleve", "note", "saisie_le")
REQUIRED_GRADE_COLUMNS = ("evaluation", "matiere", "groupe", "date", "titre", "coefficient", "bareme",
                          "eleve", "note")
SUBJECT_COLUMNS = ("code", "libelle")


def _call(rpc, method, timeout, what, **kwargs):
    return call(rpc, "notes", method, timeout=timeout, what=what, named="Le service des notes", **kwargs)


def import_files(rpc: RpcClient, uai: str, notes: Path | None = None, matieres: Path | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Read both files first (a bad file stops everything before anything is
    sent), then import the subjects, then the grades. Returns both reports."""
    uai = uai.strip().upper()
    subject_rows = read_csv(matieres, SUBJECT_COLUMNS, SUBJECT_COLUMNS) if matieres else None
    grade_rows = read_csv(notes, GRADE_COLUMNS, REQUIRED_GRADE_COLUMNS) if notes else None
    report = {}
    if subject_rows is not None:
        report["matieres"] = _call(rpc, "import_matieres", timeout, f"Fichier des matières {matieres.name}",
                                   uai=uai, rows=subject_rows)["matieres"]
    if grade_rows is not None:
        report.update(_call(rpc, "import_evaluations", timeout, f"Fichier des notes {notes.name}",
                            uai=uai, rows=grade_rows))
    return report


def format_report(uai: str, report: dict) -> str:
    lines = [f"Import des notes : établissement {uai}"]
    if "matieres" in report:
        m = report["matieres"]
        lines.append(f"  matières : {m['creees']} créée(s), {m['modifiees']} renommée(s)")
    if "evaluations" in report:
        e, n = report["evaluations"], report["notes"]
        lines.append(f"  évaluations : {e['creees']} créée(s), {e['modifiees']} modifiée(s)")
        lines.append(f"  notes : {n['creees']} créée(s), {n['modifiees']} modifiée(s), {n['inchangees']} inchangée(s)")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_notes",
        description="Importe les matières et les notes d'un établissement (fichiers CSV, voir docs/notes.md) "
                    "dans le service des notes. Tout ou rien : un fichier refusé n'importe rien.")
    parser.add_argument("notes", nargs="?", type=Path, metavar="NOTES.csv",
                        help="évaluations et notes, une ligne par note")
    parser.add_argument("--uai", required=True, help="UAI de l'établissement")
    parser.add_argument("--matieres", type=Path, metavar="MATIERES.csv",
                        help="matières de l'établissement (code;libelle), importées avant les notes")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES",
                        help=f"attente maximale de la réponse du service (défaut : {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    if args.notes is None and args.matieres is None:
        parser.error("indiquez un fichier de notes, ou --matieres, ou les deux")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    return run("import-notes", lambda rpc: format_report(args.uai.strip().upper(), import_files(
        rpc, args.uai, notes=args.notes, matieres=args.matieres, timeout=args.delai)), service="des notes")


if __name__ == "__main__":
    sys.exit(main())
