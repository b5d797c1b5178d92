"""The académie's back office for the bourses service.

    python -m tools.import_bourses bareme tools/data/bareme_bourses_2024-2025.csv
    python -m tools.import_bourses campagne --annee 2026 --niveau college \\
        --ouverture 01/09/2026 --cloture 15/10/2026

`bareme`: a CSV file as a spreadsheet saves it (separator `;` or `,`, UTF-8 or
Windows-1252), one line per school year, kind and échelon (docs/bourses.md
describes the columns; amounts and ceilings in whole euros, "17 927" or
"17927"). Each (year, kind) goes whole to the service's `load_bareme` RPC,
which replaces that barème or refuses it naming every fault (exit code 1).

`campagne`: one campaign window, through the `save_campagne` RPC (the same
entry point as the administration pages and the demo).
"""
import argparse
import re
import sys
from pathlib import Path

from common.errors import ValidationError
from tools.import_common import ImportRefused, faults, read_csv, run

PLAFONDS = tuple(f"plafond_{n}" for n in range(1, 8)) + ("plafond_8_et_plus",)
COLUMNS = ("annee_scolaire", "niveau", "echelon", "montant_annuel") + PLAFONDS


def _number(row: dict, column: str, name: str) -> int:
    text = re.sub(r"[\s\u00a0\u202f€]", "", row.get(column, ""))
    if not re.fullmatch(r"\d{1,9}", text):
        raise ImportRefused(f"{name}, ligne {row['ligne']}, colonne « {column} » : nombre entier d'euros attendu "
                            f"(lu : « {row.get(column, '')} »). Rien n'a été importé.")
    return int(text)


def read_bareme(path: Path) -> dict[tuple[int, str], list[dict]]:
    """{(année, niveau): [échelon, ...]} from the file, or ImportRefused."""
    groups: dict[tuple[int, str], list[dict]] = {}
    for row in read_csv(path, COLUMNS, COLUMNS):
        key = (_number(row, "annee_scolaire", path.name), row["niveau"].strip().lower())
        groups.setdefault(key, []).append({
            "echelon": _number(row, "echelon", path.name),
            "montant_annuel": _number(row, "montant_annuel", path.name),
            "plafonds": [_number(row, column, path.name) for column in PLAFONDS]})
    if not groups:
        raise ImportRefused(f"{path.name} : aucune ligne de barème.")
    return groups


def import_bareme(rpc, path: Path) -> list[str]:
    """Load each barème of the file; the lines printed, or ImportRefused."""
    done = []
    for (annee, niveau), echelons in read_bareme(path).items():
        try:
            rpc.call("bourses", "load_bareme", annee_scolaire=annee, niveau=niveau, echelons=echelons)
        except ValidationError as exc:
            raise ImportRefused(f"Barème {annee}-{annee + 1} ({niveau}) refusé :\n  "
                                + "\n  ".join(faults(exc))) from None
        done.append(f"Barème {annee}-{annee + 1} ({niveau}) : {len(echelons)} échelons chargés.")
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bareme = sub.add_parser("bareme", help="charger le barème d'une ou plusieurs années")
    bareme.add_argument("fichier", type=Path)
    campagne = sub.add_parser("campagne", help="ouvrir ou déplacer une campagne")
    campagne.add_argument("--annee", required=True)
    campagne.add_argument("--niveau", required=True, choices=("college", "lycee"))
    campagne.add_argument("--ouverture", required=True)
    campagne.add_argument("--cloture", required=True)
    campagne.add_argument("--campagne-id", type=int)
    args = parser.parse_args(argv)

    def work(rpc):
        if args.command == "bareme":
            return "\n".join(import_bareme(rpc, args.fichier))
        saved = rpc.call("bourses", "save_campagne", form={
            "annee_scolaire": args.annee, "niveau": args.niveau, "ouverture": args.ouverture,
            "cloture": args.cloture, "campagne_id": args.campagne_id}, account_id=None)
        return (f"Campagne {saved['niveau']} {saved['annee_scolaire_texte']} : du {saved['ouverture_texte']} "
                f"au {saved['cloture_texte']}.")

    return run("import_bourses", work, service="bourses", timeout=60, cancelled="")


if __name__ == "__main__":
    sys.exit(main())
