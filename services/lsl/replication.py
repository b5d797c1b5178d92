"""The daily replication (guide § 3.2: "après réplication quotidienne"): a
lycée's LSL data arrives as one XML file in the shape of the public 2016 import
schema (namespace `urn:ac-grenoble.fr:lsl:import`, docs/lsl.md), with a few
elements of our own namespace for what LSL takes from SIECLE and its
nomenclature rather than from that file (history since 6e, class and série,
date of leaving, subject and competence labels).

`parse` reads and checks the whole file before anything is written: a hostile
file (DTD, entities, oversize) or any faulty part refuses it whole, with every
problem listed in French. `apply` then replaces, for each student of the file,
the school years the file covers; a student whose data did not change is left
untouched, so replaying a file changes nothing.
"""
import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from xml.etree.ElementTree import ParseError

from common.errors import ValidationError
from contract.etablissement import is_uai
from services.lsl import codes
from services.lsl.models import AnneeLivret, EvaluationLsl, LivretEleve, Nomenclature, Scolarite

LSL_NS = "urn:ac-grenoble.fr:lsl:import"
EXT_NS = "urn:scolarite-services:lsl"
# A lycée's whole livret data is a few megabytes; anything far beyond is refused
# before it is parsed.
MAX_BYTES = 20 * 1024 * 1024
MAX_MESSAGES = 50

_MATIERE = re.compile(r"^\d{6}$")
_COMPETENCE = re.compile(r"^\d{4}$")


def refused(messages: list[str]):
    return ValidationError({"fichier": messages[:MAX_MESSAGES] + (
        [f"… et {len(messages) - MAX_MESSAGES} autre(s) problème(s)."] if len(messages) > MAX_MESSAGES else [])})


def _name(element) -> tuple[str, str]:
    """(namespace, local name); the namespace is "lsl", "ext" or the URI."""
    tag = element.tag
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return {LSL_NS: "lsl", EXT_NS: "ext"}.get(uri, uri), local
    return "", tag


def _ext(name: str) -> str:
    return f"{{{EXT_NS}}}{name}"


class _Reader:
    """Walks the tree, collecting every problem with where it is."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}" if where else message)

    def children(self, element, where: str, allowed: dict) -> dict:
        """{local name: [elements]} of `element`'s children; `allowed` maps each
        name to its namespace ("lsl" or "ext")."""
        found: dict[str, list] = {}
        for child in element:
            ns, local = _name(child)
            if allowed.get(local) != ns:
                self.error(where, f"élément inattendu « {local} ».")
                continue
            found.setdefault(local, []).append(child)
        return found

    def text(self, element, where: str, label: str, max_len: int) -> str | None:
        value = (element.text or "").strip()
        if not value:
            self.error(where, f"{label} vide.")
            return None
        if len(value) > max_len:
            self.error(where, f"{label} trop long ({len(value)} caractères, {max_len} au maximum).")
            return None
        return value

    def attr(self, element, name: str, where: str, required: bool = True, max_len: int = 200) -> str | None:
        value = element.get(name)
        if value is None or not value.strip():
            if required:
                self.error(where, f"attribut « {name} » manquant.")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.error(where, f"attribut « {name} » trop long ({max_len} caractères au maximum).")
            return None
        return value

    def decimal(self, element, name: str, where: str, low: Decimal, high: Decimal,
                allow: tuple = (), required: bool = True) -> Decimal | None:
        raw = self.attr(element, name, where, required=required, max_len=20)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.error(where, f"« {name} » : nombre attendu (par exemple 11.40), pas « {raw} ».")
            return None
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            self.error(where, f"« {name} » : deux décimales au plus.")
            return None
        if value in allow:
            return value
        if not low <= value <= high:
            self.error(where, f"« {name} » : {raw} hors de l'intervalle {low}–{high}.")
            return None
        return value

    def date(self, element, name: str, where: str) -> str | None:
        raw = self.attr(element, name, where, required=False, max_len=10)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            self.error(where, f"« {name} » : date attendue au format aaaa-mm-jj, pas « {raw} ».")
            return None

    def avis(self, element, where: str, label: str) -> dict | None:
        texte = self.text(element, where, label, 300)
        nom = self.attr(element, "nom", where, max_len=65)
        prenom = self.attr(element, "prenom", where, max_len=50)
        day = self.date(element, "date", where)
        if texte is None or nom is None or prenom is None:
            return None
        return {"texte": texte, "nom": nom, "prenom": prenom, "date": day}


def parse(data: bytes | str, uai: str, known_matieres: set, known_competences: set) -> dict:
    """The file as a dict ready for `apply`, or ValidationError({"fichier": [...]}).

    `known_*`: the nomenclature's codes already stored; the file may add more."""
    if not isinstance(data, (bytes, str)) or not data.strip():
        raise refused(["Le fichier est vide."])
    # Text (over RPC) is parsed as text, whatever encoding its declaration names.
    raw = data
    if len(data) > MAX_BYTES or (isinstance(data, str) and len(data.encode("utf-8")) > MAX_BYTES):
        raise refused([f"Le fichier est trop volumineux ({len(data) // (1024 * 1024)} Mo, "
                       f"{MAX_BYTES // (1024 * 1024)} Mo au maximum)."])
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise refused(["Le fichier contient une déclaration de type de document (DTD) ou des entités : "
                       "refusé par sécurité."]) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise refused([f"Le fichier n'est pas un XML bien formé (ligne {line})."]) from None

    r = _Reader()
    if _name(root) != ("lsl", "lsl"):
        raise refused([f"Élément racine « lsl » de l'espace de noms {LSL_NS} attendu."])
    if root.get("schemaVersion") != "1.0":
        r.error("", "version du schéma (schemaVersion) 1.0 attendue.")
    top = r.children(root, "Fichier", {"entete": "lsl", "donnees": "lsl", "nomenclature": "ext"})
    if len(top.get("entete", [])) != 1 or len(top.get("donnees", [])) != 1:
        raise refused(["Le fichier doit contenir un « entete » et un « donnees »."])

    entete = r.children(top["entete"][0], "En-tête",
                        {"editeur": "lsl", "application": "lsl", "etablissement": "lsl"})
    etab = (entete.get("etablissement") or [None])[0]
    file_uai = (etab.text or "").strip() if etab is not None else ""
    if not is_uai(file_uai):
        r.error("En-tête", "UAI de l'établissement manquant ou invalide (7 chiffres et une lettre).")
    elif file_uai != uai:
        r.error("En-tête", f"le fichier est celui de l'établissement {file_uai}, pas de {uai}.")

    matieres, competences = {}, {}
    for nomenclature in top.get("nomenclature", []):
        parts = r.children(nomenclature, "Nomenclature", {"matiere": "ext", "competence": "ext"})
        for i, m in enumerate(parts.get("matiere", [])):
            code = m.get("code", "")
            where = f"Nomenclature, matière {code or '?'}"
            if not _MATIERE.match(code):
                r.error(where, "code matière de 6 chiffres attendu.")
                continue
            libelle = r.attr(m, "libelle", where, max_len=200)
            if libelle:
                matieres[code] = {"libelle": libelle, "ordre": i,
                                  "regroupement": r.attr(m, "regroupement", where, required=False, max_len=100)}
        for c in parts.get("competence", []):
            code = c.get("code", "")
            where = f"Nomenclature, compétence {code or '?'}"
            if not _COMPETENCE.match(code):
                r.error(where, "code compétence de 4 chiffres attendu.")
                continue
            libelle = r.attr(c, "libelle", where, max_len=200)
            if libelle:
                competences[code] = libelle
    all_matieres = known_matieres | set(matieres)
    all_competences = known_competences | set(competences)

    eleves, seen = [], set()
    donnees = r.children(top["donnees"][0], "Données", {"eleve": "lsl"})
    if not donnees.get("eleve"):
        r.error("", "le fichier ne contient aucun élève.")
    for element in donnees.get("eleve", []):
        eleve = _eleve(r, element, all_matieres, all_competences)
        if eleve is None:
            continue
        if eleve["id"] in seen:
            r.error(f"Élève {eleve['id']}", "figure deux fois dans le fichier.")
        seen.add(eleve["id"])
        eleves.append(eleve)
    if r.errors:
        raise refused(r.errors)
    return {"uai": file_uai, "matieres": matieres, "competences": competences, "eleves": eleves}


def _eleve(r: _Reader, element, matieres: set, competences: set) -> dict | None:
    raw_id = element.get("id", "")
    if not raw_id.isdigit() or int(raw_id) <= 0:
        r.error("Élève", f"identifiant SIECLE (attribut « id », entier positif) invalide : « {raw_id} ».")
        return None
    where = f"Élève {raw_id}"
    parts = r.children(element, where, {"engagements": "lsl", "avisExamen": "lsl", "scolarites": "lsl",
                                        "historique": "ext"})
    # An evaluation outside a scolarite has no school year.
    for stray in element.iter(f"{{{LSL_NS}}}evaluation"):
        if stray not in {e for s in element.iter(f"{{{LSL_NS}}}scolarite") for e in s}:
            r.error(where, f"matière {stray.get('code-matiere', '?')} sans année scolaire "
                           "(hors d'un élément « scolarite »).")
    eleve = {"id": raw_id, "date_sortie": r.date(element, _ext("date-sortie"), where),
             "engagements": [], "engagement_autre": None, "avis_examen": None, "annees": [], "historique": None}

    for engagements in parts.get("engagements", []):
        found = r.children(engagements, where, {"engagement": "lsl", "engagement-autre": "lsl"})
        for e in found.get("engagement", []):
            code = e.get("code", "")
            if code not in codes.ENGAGEMENTS:
                r.error(where, f"code d'engagement inconnu « {code} » (attendus : "
                               f"{', '.join(codes.ENGAGEMENTS)}).")
            elif code in eleve["engagements"]:
                r.error(where, f"l'engagement « {code} » figure deux fois.")
            else:
                eleve["engagements"].append(code)
        autres = found.get("engagement-autre", [])
        if len(autres) > 1:
            r.error(where, "un seul « engagement-autre » est permis.")
        elif autres:
            eleve["engagement_autre"] = r.text(autres[0], where, "engagement autre", 300)

    avis = parts.get("avisExamen", [])
    if len(avis) > 1:
        r.error(where, "un seul « avisExamen » par élève.")
    elif avis:
        code = avis[0].get("code", "")
        if code not in codes.AVIS_EXAMEN:
            r.error(where, f"code d'avis d'examen inconnu « {code} » (attendus : {', '.join(codes.AVIS_EXAMEN)}).")
        else:
            eleve["avis_examen"] = code

    scolarites = parts.get("scolarites", [])
    if len(scolarites) != 1:
        r.error(where, "un élément « scolarites » attendu.")
    years = set()
    for s in (r.children(scolarites[0], where, {"scolarite": "lsl"}).get("scolarite", []) if scolarites else []):
        annee = _annee(r, s, where, matieres, competences)
        if annee is None:
            continue
        if annee["annee_scolaire"] in years:
            r.error(where, f"l'année scolaire {annee['annee_scolaire']} figure deux fois.")
        years.add(annee["annee_scolaire"])
        eleve["annees"].append(annee)
    if scolarites and not eleve["annees"] and not r.errors:
        r.error(where, "aucune année scolaire (« scolarite »).")
    eleve["annees"].sort(key=lambda a: a["annee_scolaire"])

    for historique in parts.get("historique", []):
        eleve["historique"] = []
        for h in r.children(historique, where, {"annee": "ext"}).get("annee", []):
            row = {key: r.attr(h, key, f"{where}, historique", max_len=200)
                   for key in ("classe", "etablissement", "commune")}
            year = r.attr(h, "annee-scolaire", f"{where}, historique", max_len=4)
            if year is not None and not (year.isdigit() and 2000 <= int(year) <= 9999):
                r.error(f"{where}, historique", f"année scolaire invalide « {year} ».")
                year = None
            if None not in row.values() and year is not None:
                eleve["historique"].append({**row, "annee_scolaire": int(year)})
    return eleve


def _annee(r: _Reader, element, where: str, matieres: set, competences: set) -> dict | None:
    raw_year = element.get("annee-scolaire")
    if raw_year is None or not raw_year.strip():
        for e in element:
            if _name(e) == ("lsl", "evaluation"):
                r.error(where, f"matière {e.get('code-matiere', '?')} sans année scolaire "
                               "(attribut « annee-scolaire » manquant).")
        if not any(_name(e) == ("lsl", "evaluation") for e in element):
            r.error(where, "scolarité sans année scolaire (attribut « annee-scolaire » manquant).")
        return None
    if not (raw_year.isdigit() and 2000 <= int(raw_year) <= 9999):
        r.error(where, f"année scolaire invalide « {raw_year} » (première année civile, par exemple 2025).")
        return None
    year = int(raw_year)
    where = f"{where}, année {year}-{year + 1}"
    periode = element.get("code-periode", "")
    if periode not in codes.PERIODES:
        r.error(where, f"code de période « {periode} » inconnu (T trimestres, S semestres).")
    parts = r.children(element, where, {"avisEngagement": "lsl", "avisInvestissement": "lsl",
                                        "avisChefEtab": "lsl", "evaluation": "lsl"})
    annee = {"annee_scolaire": year, "code_periode": periode,
             "classe": r.attr(element, _ext("classe"), where, required=False, max_len=60),
             "serie": r.attr(element, _ext("serie"), where, required=False, max_len=40)}
    for key, tag, label in (("avis_engagement", "avisEngagement", "observation du CPE"),
                            ("avis_investissement", "avisInvestissement", "avis sur l'investissement"),
                            ("avis_chef_etab", "avisChefEtab", "observation du chef d'établissement")):
        found = parts.get(tag, [])
        if len(found) > 1:
            r.error(where, f"un seul « {tag} » par année.")
        annee[key] = r.avis(found[0], where, label) if found else None
    evaluations, seen = [], set()
    for e in parts.get("evaluation", []):
        evaluation = _evaluation(r, e, where, periode, matieres, competences)
        if evaluation is None:
            continue
        if evaluation["code_matiere"] in seen:
            r.error(where, f"la matière {evaluation['code_matiere']} figure deux fois.")
        seen.add(evaluation["code_matiere"])
        evaluations.append(evaluation)
    annee["evaluations"] = evaluations
    return annee


def _evaluation(r: _Reader, element, where: str, periode: str, matieres: set, competences: set) -> dict | None:
    code = element.get("code-matiere", "")
    if not _MATIERE.match(code):
        r.error(where, f"code matière « {code} » invalide (6 chiffres).")
        return None
    where = f"{where}, matière {code}"
    if code not in matieres:
        r.error(where, "matière inconnue de la nomenclature.")
    modalite = element.get("modalite-election", "")
    if modalite not in codes.MODALITES:
        r.error(where, f"modalité d'élection « {modalite} » inconnue (S, O ou F).")
    parts = r.children(element, where, {"structure": "lsl", "annuelle": "lsl", "periodiques": "lsl",
                                        "competences": "lsl", "enseignants": "lsl"})
    before = len(r.errors)
    out = {"code_matiere": code, "modalite_election": modalite, "periodes": [], "competences": [],
           "enseignants": []}
    structure = parts.get("structure", [])
    if len(structure) != 1:
        r.error(where, "un élément « structure » (effectif, moyenne et répartition du groupe) attendu.")
    else:
        s = structure[0]
        effectif = r.attr(s, "effectif", where, max_len=5)
        if effectif is not None and not (effectif.isdigit() and int(effectif) > 0):
            r.error(where, f"effectif invalide « {effectif} ».")
        out["effectif"] = int(effectif) if effectif and effectif.isdigit() else None
        out["moyenne_groupe"] = r.decimal(s, "moyenne", where, Decimal(0), Decimal(20))
        shares = [r.decimal(s, name, where, Decimal(0), Decimal(100))
                  for name in ("repar-moins-huit", "repar-huit-douze", "repar-plus-douze")]
        out["repar_moins_huit"], out["repar_huit_douze"], out["repar_plus_douze"] = shares
        if None not in shares and abs(sum(shares) - 100) > Decimal("0.01"):
            r.error(where, f"la répartition du groupe ne fait pas 100 % "
                           f"({' + '.join(str(x) for x in shares)} = {sum(shares)}).")
    annuelle = parts.get("annuelle", [])
    if len(annuelle) != 1:
        r.error(where, "une appréciation annuelle (« annuelle ») attendue.")
    else:
        out["appreciation"] = r.text(annuelle[0], where, "appréciation annuelle", 300)
    for periodiques in parts.get("periodiques", []):
        numbers = set()
        for p in r.children(periodiques, where, {"periode": "lsl"}).get("periode", []):
            numero = p.get("numero", "")
            if not numero.isdigit() or not 1 <= int(numero) <= codes.PERIODES.get(periode, 3) or numero in numbers:
                r.error(where, f"numéro de période « {numero} » invalide.")
                continue
            numbers.add(numero)
            moyenne = r.decimal(p, "moyenne", where, Decimal(0), Decimal(20), allow=(Decimal(-1),))
            # -1: no valid average that period (the producers' convention).
            out["periodes"].append({"numero": int(numero),
                                    "moyenne": None if moyenne in (None, Decimal(-1)) else str(moyenne)})
        out["periodes"].sort(key=lambda p: p["numero"])
    for block in parts.get("competences", []):
        seen = set()
        for c in r.children(block, where, {"competence": "lsl"}).get("competence", []):
            ccode, level = c.get("code", ""), (c.text or "").strip()
            if not _COMPETENCE.match(ccode) or ccode not in competences:
                r.error(where, f"compétence inconnue « {ccode} ».")
            elif ccode in seen:
                r.error(where, f"la compétence {ccode} figure deux fois.")
            elif level not in codes.NIVEAUX:
                r.error(where, f"niveau de compétence inconnu « {level} » pour {ccode} "
                               "(1 à 4, 0, NE ou A1 à C2).")
            else:
                seen.add(ccode)
                out["competences"].append({"code": ccode, "niveau": level})
    teachers = parts.get("enseignants", [])
    for block in teachers:
        for t in r.children(block, where, {"enseignant": "lsl"}).get("enseignant", []):
            nom = r.attr(t, "nom", where, max_len=65)
            prenom = r.attr(t, "prenom", where, max_len=50)
            if nom and prenom:
                out["enseignants"].append(f"{prenom} {nom}")
    if not out["enseignants"] and len(r.errors) == before:
        r.error(where, "au moins un enseignant attendu.")
    return out if len(r.errors) == before else None


# -- writing ------------------------------------------------------------------
def digest(eleve: dict) -> str:
    return hashlib.sha256(json.dumps(eleve, sort_keys=True, default=str).encode()).hexdigest()


def apply(db: Session, parsed: dict, uai: str, eleves: dict, now: datetime) -> dict:
    """Write a parsed file. `eleves`: {siecle id: {"eleve_id", "nom", "prenom"}}
    for every student the file may name (accounts' current students and those
    this service already knows). Returns counts, and the `eleve_id`s changed."""
    unknown = [e["id"] for e in parsed["eleves"] if e["id"] not in eleves]
    if unknown:
        raise refused([f"Élève {i} : inconnu dans cet établissement (identifiant SIECLE)." for i in unknown])
    report = {"nomenclature": _nomenclature(db, parsed),
              "eleves": {"crees": 0, "modifies": 0, "inchanges": 0}, "changed": []}
    ids = [eleves[e["id"]]["eleve_id"] for e in parsed["eleves"]]
    existing = {row.eleve_id: row for row in db.scalars(
        select(LivretEleve).where(LivretEleve.eleve_id.in_(ids))
        .options(selectinload(LivretEleve.annees), selectinload(LivretEleve.historique)))}
    for data in parsed["eleves"]:
        person = eleves[data["id"]]
        key = digest(data)
        row = existing.get(person["eleve_id"])
        if row is not None and row.digest == key:
            report["eleves"]["inchanges"] += 1
            continue
        if row is None:
            row = LivretEleve(eleve_id=person["eleve_id"], etablissement_uai=uai, siecle_eleve_id=data["id"],
                              nom=person["nom"], prenom=person["prenom"])
            db.add(row)
            report["eleves"]["crees"] += 1
        else:
            report["eleves"]["modifies"] += 1
        _replace(db, row, data, key, now)
        report["changed"].append(person["eleve_id"])
    return report


def _nomenclature(db: Session, parsed: dict) -> dict:
    changed = 0
    for kind, entries in (("matiere", parsed["matieres"]), ("competence", parsed["competences"])):
        for code, value in entries.items():
            value = value if isinstance(value, dict) else {"libelle": value, "regroupement": None, "ordre": 0}
            row = db.get(Nomenclature, (kind, code))
            if row is None:
                row = Nomenclature(kind=kind, code=code)
                db.add(row)
            if (row.libelle, row.regroupement, row.ordre) != (value["libelle"], value["regroupement"], value["ordre"]):
                row.libelle, row.regroupement, row.ordre = value["libelle"], value["regroupement"], value["ordre"]
                changed += 1
    return {"modifiees": changed}


def _replace(db: Session, row: LivretEleve, data: dict, key: str, now: datetime) -> None:
    covered = {a["annee_scolaire"] for a in data["annees"]}
    latest = max(covered)
    row.digest, row.replicated_at = key, now
    row.date_sortie = date.fromisoformat(data["date_sortie"]) if data["date_sortie"] else None
    # The opinion for the bac belongs to the latest year of the file; a file
    # covering that year without one withdraws it.
    if data["avis_examen"] is not None:
        row.avis_examen, row.avis_examen_annee = data["avis_examen"], latest
    elif row.avis_examen_annee in covered:
        row.avis_examen, row.avis_examen_annee = None, None
    # Commitments arrive as the student's current ones: they go with the
    # latest year of the file, and an earlier year keeps those it was given.
    kept = {a.annee_scolaire: (a.engagements, a.engagement_autre) for a in row.annees}
    row.annees = [a for a in row.annees if a.annee_scolaire not in covered]
    if data["historique"] is not None:
        row.historique = []
    # The replaced rows go before their successors come in (unique per year).
    db.flush()
    for a in data["annees"]:
        year = a["annee_scolaire"]
        engagements, autre = ((data["engagements"], data["engagement_autre"]) if year == latest
                              else kept.get(year, ([], None)))
        row.annees.append(AnneeLivret(
            annee_scolaire=a["annee_scolaire"], code_periode=a["code_periode"], classe=a["classe"],
            serie=a["serie"], avis_engagement=a["avis_engagement"], avis_investissement=a["avis_investissement"],
            avis_chef_etab=a["avis_chef_etab"],
            engagements=engagements, engagement_autre=autre,
            evaluations=[EvaluationLsl(**e) for e in a["evaluations"]]))
    if data["historique"] is not None:
        row.historique = [Scolarite(ordre=i, **h) for i, h in enumerate(data["historique"])]
