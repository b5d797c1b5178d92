"""What the back-office import tools share (`tools/import_*.py`): reading a
CSV file as a spreadsheet saves it, the French refusal that says nothing was
imported, a service's call whose faults become such refusals, and the command
line's run (connect, work, print the report or the refusal, exit code)."""
import csv
import sys
import unicodedata
from pathlib import Path

from common.config import amqp_uri
from common.errors import NotDeployed, Unavailable, ValidationError
from common.rpc_client import RpcClient


class ImportRefused(Exception):
    """Nothing was imported; the message, in French, says why."""


def column_name(header: str) -> str:
    """"Barème" -> "bareme", "Date de publication" -> "date_de_publication"."""
    text = unicodedata.normalize("NFKD", header.strip()).encode("ascii", "ignore").decode().lower()
    return "_".join(text.replace("'", " ").split())


# Headers as people type them, read as the columns they mean.
ALIASES = {"date_de_publication": "date_publication", "professeurs": "enseignants", "enseignant": "enseignants",
           "saisie": "saisie_le", "date_de_saisie": "saisie_le", "coef": "coefficient", "libelle_matiere": "libelle"}


def read_csv(path: Path, columns: tuple, required: tuple, aliases: dict = ALIASES) -> list[dict]:
    """Rows as dicts of strings, each with its line number in the file
    ("ligne"). The separator is `;`, `,` or a tab (the header's most
    frequent), the encoding UTF-8 or else Windows-1252."""
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


def faults(exc: ValidationError) -> list[str]:
    """Every message of a service's refusal, field by field."""
    return [str(m) for messages in exc.errors.values()
            for m in (messages if isinstance(messages, list) else [messages])]


def call(rpc, service: str, method: str, *, timeout: float, what: str, named: str, **kwargs):
    """One import's RPC: the service's answer, or ImportRefused saying what
    was refused (`what`, "Fichier des notes notes.csv"), that the service
    (`named`, "Le service des notes") is not running, or that it did not
    answer in time and the import can be run again."""
    try:
        return rpc.call(service, method, timeout=timeout, **kwargs)
    except ValidationError as exc:
        raise ImportRefused(f"{what} refusé, rien n'a été importé :\n  " + "\n  ".join(faults(exc))) from None
    except NotDeployed:
        raise ImportRefused(f"{named} n'est pas démarré : rien n'a été importé.") from None
    except Unavailable:
        raise ImportRefused(
            f"{named} n'a pas répondu dans le délai ({timeout:.0f} s). L'import a pu aboutir "
            "malgré tout : relancez-le, il met à jour sans créer de doublons.") from None


def run(client_name: str, work, *, service: str, timeout: float = 30, refused: type[Exception] = ImportRefused,
        cancelled: str = "Import annulé : ") -> int:
    """A tool's `main`: `work(rpc)` returns the report to print (exit code 0),
    or the report and an exit code. A refusal is printed on stderr after
    `cancelled` (exit code 1), as is a form's refusal field by field, and a
    `service` not deployed or not answering (`timeout`: the calls' default)."""
    rpc = RpcClient(amqp_uri(), timeout=timeout, client_name=client_name)
    try:
        done = work(rpc)
    except refused as exc:
        print(f"{cancelled}{exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        for field, messages in exc.errors.items():
            text = " ".join(messages) if isinstance(messages, list) else str(messages)
            print(f"{field} : {text}", file=sys.stderr)
        return 1
    except NotDeployed:
        print(f"Le service {service} n'est pas déployé.", file=sys.stderr)
        return 1
    except Unavailable:
        print(f"Le service {service} ne répond pas ; réessayez plus tard.", file=sys.stderr)
        return 1
    finally:
        rpc.close()
    report, code = done if isinstance(done, tuple) else (done, 0)
    print(report)
    return code
