"""Write SIECLE-shaped XML exports (BEE_ELEVES 3.0 and BEE_RESPONSABLES 2.1,
the 2018+ link format, ISO-8859-15) from plain records, so that the demo
académie comes in through the same files and code path as a real
establishment's (`tools.import_siecle`).

Only the elements our importer reads, and a few usual ones around them, are
written; real exports carry many more (student addresses, options, MEF...).
"""
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

ENCODING = "ISO-8859-15"


def _fr(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _add(parent: ET.Element, tag: str, text=None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = str(text)
    return node


def _document(root_tag: str, version: str, uai: str, annee: int,
              exported_at: datetime) -> tuple[ET.Element, ET.Element]:
    root = ET.Element(root_tag, VERSION=version)
    params = _add(root, "PARAMETRES")
    _add(params, "UAJ", uai)
    _add(params, "ANNEE_SCOLAIRE", annee)
    _add(params, "DATE_EXPORT", _fr(exported_at.date()))
    _add(params, "HORODATAGE", exported_at.strftime("%d/%m/%Y %H:%M:%S"))
    return root, _add(root, "DONNEES")


def _bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    # SIECLE writes the prolog with double quotes; ElementTree would use single ones.
    prolog = f'<?xml version="1.0" encoding="{ENCODING}"?>\n'.encode("ascii")
    return prolog + ET.tostring(root, encoding=ENCODING, xml_declaration=False) + b"\n"


def eleves_xml(uai: str, annee: int, exported_at: datetime, eleves: list[dict]) -> bytes:
    """`eleves`: eleve_id, elenoet, ine, nom, prenom, sexe (1/2), date_naissance,
    date_entree, date_sortie (or None), classe (division code), groupes (codes);
    optionally commune_naissance (INSEE code) or ville_naissance with
    code_pays, regime (CODE_REGIME), telephone, email, accepte_sms."""
    root, donnees = _document("BEE_ELEVES", "3.0", uai, annee, exported_at)
    section = _add(donnees, "ELEVES")
    for e in eleves:
        node = _add(section, "ELEVE", ELEVE_ID=e["eleve_id"], ELENOET=e["elenoet"])
        _add(node, "ID_NATIONAL", e["ine"])
        _add(node, "INE_RNIE", e["ine"])
        _add(node, "ELENOET", e["elenoet"])
        _add(node, "NOM_DE_FAMILLE", e["nom"])
        _add(node, "NOM_USAGE", e["nom"])
        _add(node, "PRENOM", e["prenom"])
        _add(node, "PRENOM2")
        _add(node, "DATE_NAISS", _fr(e["date_naissance"]))
        _add(node, "DOUBLEMENT", "0")
        _add(node, "CODE_SEXE", e["sexe"])
        _add(node, "CODE_PAYS", e.get("code_pays", "100"))
        commune = e.get("commune_naissance")
        if commune:
            _add(node, "CODE_DEPARTEMENT_NAISS", commune[:3] if commune.startswith("97") else f"0{commune[:2]}")
            _add(node, "CODE_COMMUNE_INSEE_NAISS", commune)
        _add(node, "VILLE_NAISS", e.get("ville_naissance"))
        _add(node, "CODE_REGIME", e.get("regime", "24"))
        _add(node, "DATE_ENTREE", _fr(e["date_entree"]))
        if e.get("date_sortie"):
            _add(node, "DATE_SORTIE", _fr(e["date_sortie"]))
            _add(node, "CODE_MOTIF_SORTIE", "DEM")
        _add(node, "CODE_STATUT", "ST")
        _add(node, "ACCEPTE_SMS", "1" if e.get("accepte_sms") else "0")
        _add(node, "MEL", e.get("email"))
        _add(node, "TEL_PORTABLE", e.get("telephone"))
    structures = _add(donnees, "STRUCTURES")
    for e in eleves:
        entry = _add(structures, "STRUCTURES_ELEVE", ELEVE_ID=e["eleve_id"], ELENOET=e["elenoet"])
        # Groups first, as in real files: the importer must pick the division.
        for code, kind in [(g, "G") for g in e.get("groupes", ())] + [(e["classe"], "D")]:
            structure = _add(entry, "STRUCTURE")
            _add(structure, "CODE_STRUCTURE", code)
            _add(structure, "TYPE_STRUCTURE", kind)
    _add(donnees, "BOURSES")
    return _bytes(root)


def responsables_xml(uai: str, annee: int, exported_at: datetime, personnes: list[dict],
                     liens: list[dict], adresses: list[dict]) -> bytes:
    """`personnes`: personne_id, civilite (M./MME), nom, prenom, email,
    telephone, adresse_id (or None), code_profession, optionally tel_personnel,
    tel_professionnel, accepte_sms, communication_adresse. `liens`: eleve_id,
    personne_id, niveau (1/2/3), code_parente, paie_frais, heberge, prioritaire.
    `adresses`: adresse_id, ligne1, code_postal, commune, optionally ligne2,
    code_commune_insee, and for an address abroad code_pays and pays (no
    code_postal; commune is then COMMUNE_ETRANGERE)."""
    root, donnees = _document("BEE_RESPONSABLES", "2.1", uai, annee, exported_at)
    section = _add(donnees, "PERSONNES")
    for p in personnes:
        node = _add(section, "PERSONNE", PERSONNE_ID=p["personne_id"])
        _add(node, "LC_CIVILITE", p["civilite"])
        _add(node, "LL_CIVILITE", "MONSIEUR" if p["civilite"] == "M." else "MADAME")
        _add(node, "NOM_DE_FAMILLE", p["nom"])
        _add(node, "NOM_USAGE", p["nom"])
        _add(node, "PRENOM", p["prenom"])
        _add(node, "TEL_PERSONNEL", p.get("tel_personnel"))
        _add(node, "TEL_PORTABLE", p.get("telephone") or None)
        _add(node, "TEL_PROFESSIONNEL", p.get("tel_professionnel"))
        _add(node, "MEL", p.get("email") or None)
        _add(node, "ACCEPTE_SMS", "1" if p.get("accepte_sms", bool(p.get("telephone"))) else "0")
        if p.get("adresse_id"):
            _add(node, "ADRESSE_ID", p["adresse_id"])
        _add(node, "CODE_PROFESSION", p.get("code_profession", "99"))
        _add(node, "COMMUNICATION_ADRESSE", "1" if p.get("communication_adresse") else "0")
    section = _add(donnees, "RESPONSABLES")
    for link in liens:
        node = _add(section, "RESPONSABLE_ELEVE")
        _add(node, "ELEVE_ID", link["eleve_id"])
        _add(node, "PERSONNE_ID", link["personne_id"])
        _add(node, "NIVEAU_RESPONSABILITE", link["niveau"])
        _add(node, "CODE_PARENTE", link["code_parente"])
        _add(node, "PAIE_FRAIS_SCOLAIRES", "1" if link.get("paie_frais") else "0")
        _add(node, "PERCOIT_LES_AIDES", "true" if link.get("paie_frais") else "false")
        _add(node, "HEBERGE_ELEVE", "true" if link.get("heberge") else "false")
        _add(node, "A_CONTACTER_EN_PRIORITE", "true" if link.get("prioritaire") else "false")
    section = _add(donnees, "ADRESSES")
    for a in adresses:
        node = _add(section, "ADRESSE", ADRESSE_ID=a["adresse_id"])
        _add(node, "LIGNE1_ADRESSE", a["ligne1"])
        _add(node, "LIGNE2_ADRESSE", a.get("ligne2"))
        if a.get("code_pays", "100") == "100":
            _add(node, "CODE_POSTAL", a["code_postal"])
            _add(node, "LIBELLE_POSTAL", a["commune"])
            if a.get("code_commune_insee"):
                _add(node, "CODE_COMMUNE_INSEE", a["code_commune_insee"])
            _add(node, "CODE_PAYS", "100")
            _add(node, "LL_PAYS", "FRANCE")
        else:
            _add(node, "CODE_POSTAL")
            _add(node, "COMMUNE_ETRANGERE", a["commune"])
            _add(node, "CODE_PAYS", a["code_pays"])
            _add(node, "LL_PAYS", a["pays"])
    return _bytes(root)


def write(path: Path, data: bytes, zipped_as: str | None = None) -> Path:
    """Write the export, or a ZIP holding it under `zipped_as` (as SIECLE
    hands them out: ExportXML_<name>.zip holding <name>.xml)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if zipped_as is None:
        path.write_bytes(data)
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipped_as, data)
    return path
