"""The académie's back office for the inscription service (docs/inscription.md).

    python -m tools.import_inscription affectations --annee 2027 resultats_affectation.csv
    python -m tools.import_inscription offres offres_lycees.csv
    python -m tools.import_inscription campagne --annee 2027 \\
        --ouverture "25/06/2027 14:30" --cloture "28/06/2027 23:59"

`affectations`: the assignment results, one line per student (the columns are
in docs/inscription.md); `sections` lists labels separated by `|`, `voeux`
lists "rang:libellé:résultat" separated by `|`; `-` is an empty cell, as in
Affelnet's exports. The whole file goes to the `import_affectations` RPC: a
malformed line refuses it all (exit code 1); a student unknown to their
collège is skipped and reported.

`offres`: what each lycée offers per training, one line per choice
(`lycee_uai;mef;type;code;libelle;max_options`, type lv1, lv2, option or
section), through `import_offres`.

`campagne`: the rentrée's window, through `save_campagne` (the same entry
point as the administration pages and the demo).
"""
import argparse
import sys
from pathlib import Path

from common.errors import ValidationError
from tools.import_common import ImportRefused, faults, read_csv, run

AFFECTATION_COLUMNS = ("ine", "nom", "prenom", "college_uai", "college_nom", "college_prive", "college_telephone",
                       "college_email", "lycee_uai", "lycee_nom", "lycee_public", "lycee_adresse", "lycee_code_postal",
                       "lycee_commune", "lycee_academie", "mef", "formation_type", "formation", "sections", "tour",
                       "voeux")
AFFECTATION_REQUIRED = ("ine", "nom", "prenom", "college_uai", "college_nom", "lycee_uai", "lycee_nom",
                        "lycee_academie", "mef", "formation_type", "formation", "tour")
OFFRE_COLUMNS = ("lycee_uai", "mef", "type", "code", "libelle", "max_options")
OFFRE_TYPES = {"lv1": "lv1", "lv2": "lv2", "option": "options", "section": "sections"}


def _cell(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    return "" if value == "-" else value


def _voeux(text: str, name: str, ligne: int) -> list[dict]:
    out = []
    for part in (p.strip() for p in text.split("|") if p.strip()):
        rang, _, rest = part.partition(":")
        libelle, _, resultat = rest.rpartition(":")
        if not rang.strip().isdigit() or not libelle.strip() or not resultat.strip():
            raise ImportRefused(f"{name}, ligne {ligne}, colonne « voeux » : « rang:libellé:résultat » attendu "
                                f"(lu : « {part} »). Rien n'a été importé.")
        out.append({"rang": int(rang), "libelle": libelle.strip(), "resultat": resultat.strip()})
    return out


def read_affectations(path: Path) -> list[dict]:
    rows = []
    for row in read_csv(path, AFFECTATION_COLUMNS, AFFECTATION_REQUIRED):
        tour = _cell(row, "tour")
        rows.append({
            **{c: _cell(row, c) or None for c in AFFECTATION_COLUMNS if c not in ("sections", "tour", "voeux")},
            "ine": _cell(row, "ine").upper(), "tour": int(tour) if tour.isdigit() else tour,
            "sections": [s.strip() for s in _cell(row, "sections").split("|") if s.strip()],
            "voeux": _voeux(_cell(row, "voeux"), path.name, row["ligne"])})
        for optional in ("lycee_adresse", "lycee_code_postal", "lycee_commune"):
            rows[-1][optional] = rows[-1][optional] or ""
        for flag in ("college_prive", "lycee_public"):
            if rows[-1][flag] is None:
                del rows[-1][flag]
    return rows


def read_offres(path: Path) -> list[dict]:
    groups: dict[tuple[str, str], dict] = {}
    for row in read_csv(path, OFFRE_COLUMNS, OFFRE_COLUMNS[:5]):
        kind = OFFRE_TYPES.get(_cell(row, "type").lower())
        if kind is None:
            raise ImportRefused(f"{path.name}, ligne {row['ligne']}, colonne « type » : lv1, lv2, option ou section "
                                f"attendu (lu : « {_cell(row, 'type')} »). Rien n'a été importé.")
        key = (_cell(row, "lycee_uai"), _cell(row, "mef"))
        offre = groups.setdefault(key, {"lycee_uai": key[0], "mef": key[1], "lv1": [], "lv2": [], "options": [],
                                        "sections": []})
        offre[kind].append({"code": _cell(row, "code").upper(), "libelle": _cell(row, "libelle")})
        if _cell(row, "max_options").isdigit():
            offre["max_options"] = int(_cell(row, "max_options"))
    return list(groups.values())


def _refused(exc: ValidationError) -> ImportRefused:
    return ImportRefused("Fichier refusé, rien n'a été importé :\n  " + "\n  ".join(faults(exc)))


def import_affectations(rpc, annee, path: Path) -> list[str]:
    try:
        report = rpc.call("inscription", "import_affectations", annee_scolaire=annee,
                          lignes=read_affectations(path))
    except ValidationError as exc:
        raise _refused(exc) from None
    return [f"Affectations {annee} : {report['creees']} créée(s), {report['mises_a_jour']} mise(s) à jour, "
            f"{len(report['ignorees'])} ignorée(s).", *report["ignorees"]]


def import_offres(rpc, path: Path) -> list[str]:
    try:
        report = rpc.call("inscription", "import_offres", offres=read_offres(path))
    except ValidationError as exc:
        raise _refused(exc) from None
    return [f"Offres : {report['offres']} formation(s) de lycée chargée(s)."]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    affectations = sub.add_parser("affectations", help="importer les résultats d'affectation")
    affectations.add_argument("--annee", required=True)
    affectations.add_argument("fichier", type=Path)
    offres = sub.add_parser("offres", help="importer l'offre des lycées (langues, options, sections)")
    offres.add_argument("fichier", type=Path)
    campagne = sub.add_parser("campagne", help="fixer ou déplacer la campagne d'une rentrée")
    campagne.add_argument("--annee", required=True)
    campagne.add_argument("--ouverture", required=True)
    campagne.add_argument("--cloture", required=True)
    args = parser.parse_args(argv)

    def work(rpc):
        if args.command == "affectations":
            return "\n".join(import_affectations(rpc, args.annee, args.fichier))
        if args.command == "offres":
            return "\n".join(import_offres(rpc, args.fichier))
        saved = rpc.call("inscription", "save_campagne", account_id=None, form={
            "annee_scolaire": args.annee, "ouverture": args.ouverture, "cloture": args.cloture})
        return (f"Campagne de la rentrée {saved['rentree_texte']} : du {saved['ouverture_texte']} au "
                f"{saved['cloture_texte']}.")

    return run("import_inscription", work, service="inscription", timeout=120, cancelled="")


if __name__ == "__main__":
    sys.exit(main())
