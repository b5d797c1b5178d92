"""Import an establishment's vie scolaire data into the vie scolaire service.

    python -m tools.import_vie_scolaire --uai 0599001A --motifs motifs.csv \\
        --punitions punitions.csv --periodes periodes.csv --demi-journee 11:55 evenements.csv
    python -m tools.import_vie_scolaire --uai 0599001A evenements.csv

The files are CSV as a spreadsheet saves them (separator `;` or `,`, UTF-8 or
Windows-1252), with a header line; docs/vie_scolaire.md describes their
columns. Every file is read first (a bad file stops everything before anything
is sent), then each goes, whole, to the service's RPC (`set_settings`,
`import_motifs`, `import_punitions`, `import_periodes`, `import_evenements`),
the back-office entry points the demo generator also uses (ARCHITECTURE rule
7). Each import is all or nothing: when a line is refused, every faulty line
is listed ("Ligne 12, colonne « fin » : ...") and nothing of that file is
written (exit code 1).
"""
import argparse
import sys
from pathlib import Path

from common.rpc_client import RpcClient
from tools.import_common import call, read_csv, run

DEFAULT_TIMEOUT = 300
EVENT_COLUMNS = ("ref", "eleve", "nature", "debut", "fin", "minutes", "motif", "type", "duree", "sursis", "detail",
                 "justifiee", "publiable_en_ligne", "famille_avisee", "saisie_le", "annulation")
REQUIRED_EVENT_COLUMNS = ("ref", "eleve", "nature", "debut")
FILES = {
    # option: (RPC, columns, required columns, what the report calls it)
    "motifs": ("import_motifs", ("code", "libelle", "parents"), ("code", "libelle"), "Table des motifs"),
    "punitions": ("import_punitions", ("code", "libelle"), ("code", "libelle"), "Liste des punitions"),
    "periodes": ("import_periodes", ("classe", "numero", "libelle", "debut", "fin"),
                 ("numero", "libelle", "debut", "fin"), "Calendrier des périodes"),
    "evenements": ("import_evenements", EVENT_COLUMNS, REQUIRED_EVENT_COLUMNS, "Fichier des évènements"),
}
ALIASES = {"identifiant": "ref", "reference": "ref", "type_d_evenement": "nature", "eleve_id": "eleve",
           "publiable": "publiable_en_ligne", "date_de_saisie": "saisie_le", "saisie": "saisie_le",
           "motif_d_annulation": "annulation", "utilisable_par_les_parents": "parents"}


def _call(rpc, method, timeout, what, **kwargs):
    return call(rpc, "vie_scolaire", method, timeout=timeout, what=what, named="Le service vie scolaire", **kwargs)


def import_files(rpc: RpcClient, uai: str, files: dict[str, Path], demi_journee: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> dict:
    """`files`: {"motifs" | "punitions" | "periodes" | "evenements": path}.
    Sends the half-day boundary, then the files in that order (events name
    motifs and punishments). Returns each import's report."""
    uai = uai.strip().upper()
    rows = {key: read_csv(files[key], FILES[key][1], FILES[key][2], aliases=ALIASES)
            for key in FILES if files.get(key) is not None}
    report = {}
    if demi_journee is not None:
        report["demi_journee"] = _call(rpc, "set_settings", timeout, "Heure de la demi-journée", uai=uai,
                                       heure_demi_journee=demi_journee)["heure_demi_journee"]
    for key, (method, _columns, _required, what) in FILES.items():
        if key in rows:
            report[key] = _call(rpc, method, timeout, f"{what} {files[key].name}", uai=uai, rows=rows[key])
    return report


def format_report(uai: str, report: dict) -> str:
    lines = [f"Import vie scolaire : établissement {uai}"]
    if "demi_journee" in report:
        lines.append(f"  demi-journée : à partir de {report['demi_journee']}")
    for key in ("motifs", "punitions"):
        if key in report:
            lines.append(f"  {key} : {report[key]['crees']} créé(e)s, {report[key]['modifies']} modifié(e)s")
    if "periodes" in report:
        p = report["periodes"]
        lines.append(f"  périodes : {p['periodes']} pour {p['classes']} calendrier(s) ({p['remplacees']} remplacée(s))")
    if "evenements" in report:
        e = report["evenements"]
        lines.append(f"  évènements : {e['crees']} créé(s), {e['corriges']} corrigé(s), {e['inchanges']} inchangé(s), "
                     f"{e['annules']} annulé(s)")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_vie_scolaire",
        description="Importe les données de vie scolaire d'un établissement (fichiers CSV, voir "
                    "docs/vie_scolaire.md). Tout ou rien : un fichier refusé n'importe rien.")
    parser.add_argument("evenements", nargs="?", type=Path, metavar="EVENEMENTS.csv",
                        help="absences, retards, punitions, sanctions..., une ligne par évènement")
    parser.add_argument("--uai", required=True, help="UAI de l'établissement")
    parser.add_argument("--motifs", type=Path, metavar="MOTIFS.csv", help="table des motifs (code;libelle;parents)")
    parser.add_argument("--punitions", type=Path, metavar="PUNITIONS.csv", help="liste des punitions (code;libelle)")
    parser.add_argument("--periodes", type=Path, metavar="PERIODES.csv",
                        help="trimestres ou semestres (classe;numero;libelle;debut;fin)")
    parser.add_argument("--demi-journee", metavar="HH:MM", help="heure qui sépare le matin de l'après-midi")
    parser.add_argument("--delai", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDES",
                        help=f"attente maximale de la réponse du service (défaut : {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    if not any((args.evenements, args.motifs, args.punitions, args.periodes, args.demi_journee)):
        parser.error("indiquez au moins un fichier, ou --demi-journee")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    files = {"motifs": args.motifs, "punitions": args.punitions, "periodes": args.periodes,
             "evenements": args.evenements}
    return run("import-vie-scolaire", lambda rpc: format_report(args.uai.strip().upper(), import_files(
        rpc, args.uai, files, demi_journee=args.demi_journee, timeout=args.delai)), service="vie scolaire")


if __name__ == "__main__":
    sys.exit(main())
