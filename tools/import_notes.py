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
import csv
import sys
import unicodedata
from pathlib import Path

from common.config import amqp_uri
from common.errors import NotDeployed, Unavailable, ValidationError
from common.rpc_client import RpcClient

DEFAULT_TIMEOUT = 300
GRADE_COLUMNS = ("evaluation", "matiere", "groupe", "enseignants", "date", "titre", "coefficient", "bareme",
                 "date_publication", "eleve", "note", "saisie_le")
REQUIRED_GRADE_COLUMNS = ("evaluation", "matiere", "groupe", "date", "titre", "coefficient", "bareme",
                          "eleve", "note")
SUBJECT_COLUMNS = ("code", "libelle")


class ImportRefused(Exception):
    """Nothing was imported; the message, in French, says why."""


def column_name(header: str) -> str:
    """"Barème" -> "bareme", "Date de publication" -> "date_de_publication"."""
    text = unicodedata.normalize("NFKD", header.strip()).encode("ascii", "ignore").decode().lower()
    return "_".join(text.replace("'", " ").split())


ALIASES = {"date_de_publication": "date_publication", "professeurs": "enseignants", "enseignant": "enseignants",
           "saisie": "saisie_le", "date_de_saisie": "saisie_le", "coef": "coefficient", "libelle_matiere": "libelle"}


def read_csv(path: Path, columns: tuple, required: tuple, aliases: dict = ALIASES) -> list[dict]:
    """Rows as dicts of strings, each with its line number in the file ("ligne").
    Other imports (tools.import_vie_scolaire) read their files with it too."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"Fichier illisible : {path} ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRefused(f"{path.name} : le fichier est vide (la ligne 1 doit donner les noms des colonnes).")
    delimiter = max(";,\t", key=lines[0].count)
    reader = csv.reader(lines, delimiter=delimiter)
    header = [aliases.get(column_name(h), column_name(h)) for h in next(reader)]
    unknown = [h for h in header if h and h not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append("colonne(s) inconnue(s) : " + ", ".join(unknown))
        if missing:
            problems.append("colonne(s) manquante(s) : " + ", ".join(missing))
        raise ImportRefused(f"{path.name}, ligne 1 (en-tête) : {' ; '.join(problems)}. "
                            f"Colonnes attendues : {', '.join(columns)}.")
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise ImportRefused(f"{path.name}, ligne {reader.line_num} : plus de cellules que de colonnes "
                                "(un séparateur en trop ?). Rien n'a été importé.")
        row = {h: c for h, c in zip(header, cells) if h}
        row["ligne"] = reader.line_num
        rows.append(row)
    if not rows:
        raise ImportRefused(f"{path.name} : aucune ligne à importer après l'en-tête.")
    return rows


def _call(rpc, method, timeout, what, **kwargs):
    try:
        return rpc.call("notes", method, timeout=timeout, **kwargs)
    except ValidationError as exc:
        lines = [m for messages in exc.errors.values() for m in (messages if isinstance(messages, list) else [messages])]
        raise ImportRefused(f"{what} refusé, rien n'a été importé :\n  " + "\n  ".join(lines)) from None
    except NotDeployed:
        raise ImportRefused("Le service des notes n'est pas démarré : rien n'a été importé.") from None
    except Unavailable:
        raise ImportRefused(
            f"Le service des notes n'a pas répondu dans le délai ({timeout:.0f} s). L'import a pu aboutir "
            "malgré tout : relancez-le, il met à jour sans créer de doublons.") from None


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
    rpc = RpcClient(amqp_uri(), timeout=30, client_name="import-notes")
    try:
        report = import_files(rpc, args.uai, notes=args.notes, matieres=args.matieres, timeout=args.delai)
    except ImportRefused as exc:
        print(f"Import annulé : {exc}", file=sys.stderr)
        return 1
    finally:
        rpc.close()
    print(format_report(args.uai.strip().upper(), report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
