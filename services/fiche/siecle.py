"""Reading an establishment's SIECLE exports into the payload of the fiche's
`import_siecle` RPC: the student's and the persons' administrative fields the
fiche shows (shared/SIECLE_FORMAT.md § 1, 2).

The files are the same the accounts import reads, opened and checked by the
same code (services.accounts.siecle: XML or ZIP, hardened parser, the
establishment's UAI, one school year); only the fields differ. Runs in the
import CLI and the demo generator, never in the service.
"""
from pathlib import Path
from xml.etree.ElementTree import Element

from services.accounts.siecle import (
    CIVILITES, ELEVES, RESPONSABLES, Lecture, _first, _text, niveau_responsabilite, parse_bool, parse_date,
    read_paths,
)


def _adresses(root: Element) -> dict[str, dict]:
    out = {}
    for node in root.iterfind("DONNEES/ADRESSES/ADRESSE"):
        adresse_id = (node.get("ADRESSE_ID") or "").strip()
        if not adresse_id:
            continue
        foreign = _text(node, "COMMUNE_ETRANGERE")
        pays = _text(node, "CODE_PAYS") or (None if foreign else "100")
        out[adresse_id] = {
            **{f"ligne{n}": _text(node, f"LIGNE{n}_ADRESSE") for n in range(1, 5)},
            "code_postal": None if foreign and not _text(node, "CODE_POSTAL") else _text(node, "CODE_POSTAL"),
            "commune": foreign if foreign and pays != "100" else _text(node, "LIBELLE_POSTAL"),
            "code_commune_insee": _text(node, "CODE_COMMUNE_INSEE"), "pays": pays,
        }
    return out


def _date(value: str | None) -> str | None:
    try:
        parsed = parse_date(value)
    except ValueError:
        return None
    return parsed.isoformat() if parsed else None


def read(paths: list[Path], uai: str) -> tuple[Lecture, dict]:
    """(what accounts' reader made of the files, with its checks and skips;
    the fiche's payload without its "etablissement"). Raises
    services.accounts.siecle.SiecleFileError."""
    lecture = read_paths(paths, uai)
    by_kind = {f.kind: f.root for f in lecture.files}
    eleves_root = by_kind[ELEVES]
    eleve_adresses = _adresses(eleves_root)
    eleves = []
    for node in eleves_root.iterfind("DONNEES/ELEVES/ELEVE"):
        eleve_id = (node.get("ELEVE_ID") or "").strip() or _text(node, "ELEVE_ID")
        adresse_id = _text(node, "ADRESSE_ID")
        eleves.append({
            "siecle_eleve_id": eleve_id, "ine": _first(node, "ID_NATIONAL", "INE_RNIE"),
            "nom": _first(node, "NOM_DE_FAMILLE", "NOM_USAGE", "NOM"), "prenom": _text(node, "PRENOM"),
            "prenom2": _text(node, "PRENOM2"), "prenom3": _text(node, "PRENOM3"), "sexe": _text(node, "CODE_SEXE"),
            "date_naissance": _date(_text(node, "DATE_NAISS")), "date_sortie": _date(_text(node, "DATE_SORTIE")),
            "naissance_pays": _text(node, "CODE_PAYS"),
            "naissance_commune_insee": _text(node, "CODE_COMMUNE_INSEE_NAISS"),
            "naissance_ville": _text(node, "VILLE_NAISS"), "code_regime": _text(node, "CODE_REGIME"),
            "tel_personnel": _text(node, "TEL_PERSONNEL"), "tel_portable": _text(node, "TEL_PORTABLE"),
            "tel_professionnel": _text(node, "TEL_PROFESSIONNEL"), "email": _text(node, "MEL"),
            "adresse_id": adresse_id, "adresse": eleve_adresses.get(adresse_id) if adresse_id else None,
        })
    personnes, liens = [], []
    if RESPONSABLES in by_kind:
        root = by_kind[RESPONSABLES]
        adresses = _adresses(root)
        for node in root.iterfind("DONNEES/PERSONNES/PERSONNE"):
            civilite = _text(node, "LC_CIVILITE") or CIVILITES.get((_text(node, "LL_CIVILITE") or "").upper())
            adresse_id = _text(node, "ADRESSE_ID")
            personnes.append({
                "siecle_personne_id": (node.get("PERSONNE_ID") or "").strip() or _text(node, "PERSONNE_ID"),
                "civilite": civilite, "nom": _first(node, "NOM_DE_FAMILLE", "NOM_USAGE", "NOM"),
                "prenom": _text(node, "PRENOM"), "code_profession": _text(node, "CODE_PROFESSION"),
                "communication_adresse": parse_bool(_text(node, "COMMUNICATION_ADRESSE")),
                "accepte_sms": parse_bool(_text(node, "ACCEPTE_SMS")),
                "tel_personnel": _text(node, "TEL_PERSONNEL"), "tel_portable": _text(node, "TEL_PORTABLE"),
                "tel_professionnel": _text(node, "TEL_PROFESSIONNEL"), "email": _text(node, "MEL"),
                "adresse_id": adresse_id, "adresse": adresses.get(adresse_id) if adresse_id else None,
            })
        for node in root.iterfind("DONNEES/RESPONSABLES/RESPONSABLE_ELEVE"):
            niveau, _problem = niveau_responsabilite(node)
            liens.append({
                "siecle_eleve_id": _text(node, "ELEVE_ID"), "siecle_personne_id": _text(node, "PERSONNE_ID"),
                "niveau_responsabilite": niveau, "code_parente": _text(node, "CODE_PARENTE"),
                # Before 2018, RESP_LEGAL said who was n°1.
                "paie_frais": parse_bool(_text(node, "PAIE_FRAIS_SCOLAIRES")) or _text(node, "RESP_LEGAL") == "1",
            })
    return lecture, {"eleves": eleves, "personnes": personnes, "liens": liens}
