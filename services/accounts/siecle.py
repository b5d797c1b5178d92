"""Reading an establishment's SIECLE (BEE) XML exports into the payload of the
accounts service's `import_siecle`.

docs/operations.md says which exports to take and how to run the import.
In short:

- a file is an `.xml`, or a `.zip` holding exactly one; it is recognised by its
  root element (`BEE_ELEVES`, `BEE_RESPONSABLES`, optionally `BEE_STRUCTURES`
  for class labels), never by its name;
- the bytes are parsed as they are (the prolog declares ISO-8859-15) by a
  hardened parser: no DTD, no entities;
- `PARAMETRES/UAJ` must be the establishment being imported, and all files must
  be of the same school year;
- links exist in two formats: since 2018 `NIVEAU_RESPONSABILITE` (1 legal
  representative, 2 person in charge, 3 person to contact); before,
  `RESP_LEGAL` 1 or 2 (legal representative) and `PERS_CONTACT`.

A record this module cannot read (no identifier, no name, no or an impossible
birth date...) is left out of the payload and listed in `skipped` with a French
reason naming it. Rules that need the date or the database (a student who has
left, a guardian of no active student, a field too long for the service) are
the accounts service's, which reports its own skips.
"""
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

ELEVES = "BEE_ELEVES"
RESPONSABLES = "BEE_RESPONSABLES"
STRUCTURES = "BEE_STRUCTURES"
SUPPORTED = {
    ELEVES: "fichier des élèves (ElevesSansAdresses ou ElevesAvecAdresses)",
    RESPONSABLES: "fichier des responsables (ResponsablesAvecAdresses)",
    STRUCTURES: "fichier des structures (Structures.xml)",
}
# Other exports someone may hand over by mistake, named so the message helps.
NOT_USED = {
    "BEE_NOMENCLATURES": "Nomenclature.xml",
    "STS_EDT": "l'export STS-web des emplois du temps (sts_emp)",
    "EDT_STS": "un export de logiciel d'emploi du temps vers STS (emp_sts)",
}

# An académie's largest lycée exports a few megabytes; anything far beyond
# that is not a SIECLE export (or is a zip bomb).
MAX_XML_BYTES = 200 * 1024 * 1024

CIVILITES = {"MONSIEUR": "M.", "MADAME": "MME", "MADEMOISELLE": "MLLE"}


class SiecleFileError(Exception):
    """A file that cannot be imported at all; the message is French and names
    the file. Raised before anything is sent to the accounts service."""


@dataclass
class ExportFile:
    name: str
    root: Element
    uai: str | None
    annee_scolaire: str | None

    @property
    def kind(self) -> str:
        return self.root.tag


@dataclass
class Lecture:
    """What was read from one establishment's files."""

    uai: str
    annee_scolaire: str | None
    files: list[ExportFile]
    eleves: list[dict] = field(default_factory=list)
    personnes: list[dict] = field(default_factory=list)
    liens: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def payload(self, etablissement: dict) -> dict:
        """The `import_siecle` payload for this establishment."""
        return {"etablissement": etablissement, "eleves": self.eleves,
                "personnes": self.personnes, "liens": self.liens}


# -- files --------------------------------------------------------------------

def open_export(name: str, data: bytes) -> ExportFile:
    """One file as given (`.xml` or `.zip`, told apart by content), parsed and
    identified by its root element. Raises SiecleFileError."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        inner, data = _unzip(name, data)
        name = f"{name} ({inner})"
    if len(data) > MAX_XML_BYTES:
        raise SiecleFileError(f"Le fichier {name} est trop volumineux pour un export SIECLE.")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise SiecleFileError(
            f"Le fichier {name} contient une DTD ou des entités XML, refusées par sécurité.") from None
    except ParseError as exc:
        line, column = exc.position
        raise SiecleFileError(
            f"Le fichier {name} n'est pas un fichier XML lisible (erreur ligne {line}, colonne {column}).") from None
    if root.tag not in SUPPORTED:
        if root.tag in NOT_USED:
            raise SiecleFileError(
                f"Le fichier {name} est {NOT_USED[root.tag]} (élément racine {root.tag}) : "
                "cet import ne l'utilise pas. Donnez les exports des élèves et des responsables.")
        raise SiecleFileError(
            f"Le fichier {name} n'est pas un export SIECLE pris en charge (élément racine {root.tag} ; "
            f"attendu : {', '.join(SUPPORTED)}).")
    params = root.find("PARAMETRES")
    return ExportFile(name=name, root=root, uai=_text(params, "UAJ"), annee_scolaire=_text(params, "ANNEE_SCOLAIRE"))


def _unzip(name: str, data: bytes) -> tuple[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist()
                   if not m.is_dir() and m.filename.lower().endswith(".xml")
                   and not m.filename.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise SiecleFileError(f"L'archive {name} est illisible (fichier ZIP endommagé).") from None
    if not members:
        raise SiecleFileError(f"L'archive {name} ne contient aucun fichier XML.")
    if len(members) > 1:
        names = ", ".join(m.filename for m in members)
        raise SiecleFileError(
            f"L'archive {name} contient plusieurs fichiers XML ({names}) : donnez une archive par export.")
    member = members[0]
    if member.file_size > MAX_XML_BYTES:
        raise SiecleFileError(f"Le fichier {member.filename} de l'archive {name} est trop volumineux.")
    try:
        with archive.open(member) as fh:
            content = fh.read(MAX_XML_BYTES + 1)
    except RuntimeError:
        raise SiecleFileError(f"L'archive {name} est protégée par un mot de passe.") from None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SiecleFileError(f"L'archive {name} est illisible (fichier ZIP endommagé).") from None
    return Path(member.filename).name, content


def read_paths(paths: list[Path], uai: str) -> Lecture:
    """Read files from disk (see `read_exports`)."""
    exports = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SiecleFileError(f"Impossible de lire le fichier {path} ({exc.strerror}).") from None
        exports.append(open_export(path.name, data))
    return read_exports(exports, uai)


def read_exports(exports: list[ExportFile], uai: str) -> Lecture:
    """Check that the files belong together and to `uai`, then read students,
    persons and links. Raises SiecleFileError on a file that does not fit."""
    uai = uai.strip().upper()
    by_kind: dict[str, ExportFile] = {}
    for export in exports:
        if export.kind in by_kind:
            raise SiecleFileError(
                f"Les fichiers {by_kind[export.kind].name} et {export.name} sont tous deux un "
                f"{SUPPORTED[export.kind]} : n'en donnez qu'un.")
        by_kind[export.kind] = export
        if not export.uai:
            raise SiecleFileError(f"Le fichier {export.name} n'indique pas son établissement (PARAMETRES/UAJ absent).")
        if export.uai.upper() != uai:
            raise SiecleFileError(
                f"Le fichier {export.name} est l'export de l'établissement {export.uai}, pas de {uai}.")
    if ELEVES not in by_kind:
        raise SiecleFileError(
            "Il manque le fichier des élèves (ElevesSansAdresses ou ElevesAvecAdresses, élément racine BEE_ELEVES).")
    years = {e.annee_scolaire for e in exports if e.annee_scolaire}
    if len(years) > 1:
        raise SiecleFileError(
            "Les fichiers ne sont pas de la même année scolaire ("
            + ", ".join(f"{e.name} : {e.annee_scolaire}" for e in exports if e.annee_scolaire) + ").")
    lecture = Lecture(uai=uai, annee_scolaire=years.pop() if years else None, files=list(by_kind.values()))
    labels = _division_labels(by_kind[STRUCTURES].root) if STRUCTURES in by_kind else {}
    unreadable_eleves = _read_eleves(by_kind[ELEVES].root, labels, lecture)
    if RESPONSABLES in by_kind:
        _read_responsables(by_kind[RESPONSABLES].root, unreadable_eleves, lecture)
    return lecture


# -- values -------------------------------------------------------------------

def _text(parent: Element | None, tag: str) -> str | None:
    """The element's text, trimmed with inner runs of spaces folded; None when
    missing or empty."""
    if parent is None:
        return None
    node = parent.find(tag)
    if node is None or node.text is None:
        return None
    value = " ".join(node.text.split())
    return value or None


def _first(parent: Element, *tags: str) -> str | None:
    for tag in tags:
        value = _text(parent, tag)
        if value:
            return value
    return None


def parse_date(value: str | None) -> date | None:
    """SIECLE dates are dd/mm/yyyy. Raises ValueError on anything else."""
    if value is None:
        return None
    return datetime.strptime(value, "%d/%m/%Y").date()


def parse_bool(value: str | None) -> bool:
    """Booleans come as 0/1 or true/false depending on the field."""
    return (value or "").strip().lower() in ("1", "true", "oui", "o")


def _who(ident: str | None, prenom: str | None, nom: str | None) -> str:
    name = " ".join(p for p in (prenom, nom) if p)
    ident = ident or "sans identifiant"
    return f"{ident} ({name})" if name else ident


# -- students -----------------------------------------------------------------

def _division_labels(root: Element) -> dict[str, str]:
    labels = {}
    for division in root.iterfind("DONNEES/DIVISIONS/DIVISION"):
        code = (division.get("CODE_STRUCTURE") or "").strip()
        label = _text(division, "LIBELLE_LONG")
        if code and label:
            labels[code] = label
    return labels


def _divisions(root: Element) -> tuple[dict[str, str], dict[str, str]]:
    """Each student's division (TYPE_STRUCTURE D, never a G group), by
    ELEVE_ID and by ELENOET (some exports join on the latter)."""
    by_id, by_elenoet = {}, {}
    for entry in root.iterfind("DONNEES/STRUCTURES/STRUCTURES_ELEVE"):
        code = None
        for structure in entry.iterfind("STRUCTURE"):
            if (_text(structure, "TYPE_STRUCTURE") or "").upper() == "D":
                code = _text(structure, "CODE_STRUCTURE")
                if code:
                    break
        if not code:
            continue
        if entry.get("ELEVE_ID"):
            by_id[entry.get("ELEVE_ID").strip()] = code
        if entry.get("ELENOET"):
            by_elenoet[entry.get("ELENOET").strip()] = code
    return by_id, by_elenoet


def _read_eleves(root: Element, labels: dict[str, str], lecture: Lecture) -> set[str]:
    """Appends the readable students to the lecture; returns the ids of the
    unreadable ones."""
    by_id, by_elenoet = _divisions(root)
    unreadable = set()
    for node in root.iterfind("DONNEES/ELEVES/ELEVE"):
        eleve_id = (node.get("ELEVE_ID") or "").strip() or _text(node, "ELEVE_ID")
        elenoet = (node.get("ELENOET") or "").strip() or _text(node, "ELENOET")
        nom = _first(node, "NOM_USAGE", "NOM_DE_FAMILLE", "NOM")
        prenom = _text(node, "PRENOM")
        ref = f"élève {_who(eleve_id, prenom, nom)}"

        def skip(reason):
            lecture.skipped.append({"ref": ref, "reason": reason})
            if eleve_id:
                unreadable.add(eleve_id)

        if not eleve_id:
            skip("identifiant ELEVE_ID absent")
            continue
        if not nom:
            skip("nom absent")
            continue
        if not prenom:
            skip("prénom absent")
            continue
        raw_birth = _text(node, "DATE_NAISS")
        if raw_birth is None:
            skip("date de naissance absente")
            continue
        try:
            date_naissance = parse_date(raw_birth)
        except ValueError:
            skip(f"date de naissance illisible « {raw_birth} »")
            continue
        raw_exit = _text(node, "DATE_SORTIE")
        try:
            date_sortie = parse_date(raw_exit)
        except ValueError:
            skip(f"date de sortie illisible « {raw_exit} »")
            continue
        code = by_id.get(eleve_id) or (by_elenoet.get(elenoet) if elenoet else None)
        lecture.eleves.append({
            "siecle_eleve_id": eleve_id,
            "ine": _first(node, "ID_NATIONAL", "INE_RNIE"),
            "nom": nom,
            "prenom": prenom,
            "date_naissance": date_naissance.isoformat(),
            # "1" / "2"; anything else is unknown (the pages then write "Né(e) le").
            "sexe": sexe if (sexe := _text(node, "CODE_SEXE")) in ("1", "2") else None,
            "classe": labels.get(code, code) if code else None,
            "date_sortie": date_sortie.isoformat() if date_sortie else None,
        })
    return unreadable


# -- guardians and links ------------------------------------------------------

def _read_responsables(root: Element, unreadable_eleves: set[str], lecture: Lecture) -> None:
    unreadable = set()
    for node in root.iterfind("DONNEES/PERSONNES/PERSONNE"):
        personne_id = (node.get("PERSONNE_ID") or "").strip() or _text(node, "PERSONNE_ID")
        nom = _first(node, "NOM_USAGE", "NOM_DE_FAMILLE", "NOM")
        prenom = _text(node, "PRENOM")
        ref = f"personne {_who(personne_id, prenom, nom)}"
        missing = ("identifiant PERSONNE_ID absent" if not personne_id
                   else "nom absent" if not nom else "prénom absent" if not prenom else None)
        if missing:
            lecture.skipped.append({"ref": ref, "reason": missing})
            if personne_id:
                unreadable.add(personne_id)
            continue
        civilite = _text(node, "LC_CIVILITE")
        if not civilite:
            long_form = (_text(node, "LL_CIVILITE") or "").upper()
            civilite = CIVILITES.get(long_form)
        lecture.personnes.append({
            "siecle_personne_id": personne_id, "civilite": civilite, "nom": nom, "prenom": prenom,
            "email": _text(node, "MEL"),
        })
    for node in root.iterfind("DONNEES/RESPONSABLES/RESPONSABLE_ELEVE"):
        eleve_id, personne_id = _text(node, "ELEVE_ID"), _text(node, "PERSONNE_ID")
        ref = f"lien élève {eleve_id or '?'} – personne {personne_id or '?'}"
        if not eleve_id or not personne_id:
            lecture.skipped.append({"ref": ref, "reason": "ELEVE_ID ou PERSONNE_ID absent"})
            continue
        niveau, problem = niveau_responsabilite(node)
        if eleve_id in unreadable_eleves:
            problem = "élève illisible, écarté (voir plus haut)"
        elif personne_id in unreadable:
            problem = "personne illisible, écartée (voir plus haut)"
        if problem:
            lecture.skipped.append({"ref": ref, "reason": problem})
            continue
        lecture.liens.append({
            "siecle_eleve_id": eleve_id, "siecle_personne_id": personne_id,
            "niveau_responsabilite": niveau, "code_parente": _text(node, "CODE_PARENTE"),
        })


def niveau_responsabilite(node: Element) -> tuple[int | None, str | None]:
    """The link's level in the 2018+ scale (1 legal representative, 2 person in
    charge, 3 person to contact), from either format; or a French problem."""
    raw = _text(node, "NIVEAU_RESPONSABILITE")
    if raw is not None:
        if raw in ("1", "2", "3"):
            return int(raw), None
        return None, f"niveau de responsabilité inconnu « {raw} »"
    legal = _text(node, "RESP_LEGAL")
    if legal is not None:
        # Before 2018: legal representatives n°1 and n°2, or 0 for anyone else,
        # who is a contact when PERS_CONTACT says so.
        if legal in ("1", "2"):
            return 1, None
        if legal == "0":
            return (3 if parse_bool(_text(node, "PERS_CONTACT")) else 2), None
        return None, f"valeur RESP_LEGAL inconnue « {legal} »"
    return None, "niveau de responsabilité absent (ni NIVEAU_RESPONSABILITE ni RESP_LEGAL)"
