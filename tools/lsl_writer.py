"""Write an LSL replication file (the public 2016 import schema's shape, plus
our own namespace's elements, docs/lsl.md) from plain records, so that the
demo and the tests come in through the same file and code path as a lycée's
real replication (`tools.import_lsl`).

A record is a dict:

    {"uai": "0599003C",
     "matieres": [("061300", "Mathématiques", "Enseignements obligatoires"), ...],
     "competences": [("0022", "Raisonner"), ...],
     "eleves": [{"id": "3002", "date_sortie": None, "engagements": ["C"], "engagement_autre": None,
                 "avis_examen": "F",
                 "annees": [{"annee": 2026, "periode": "T", "classe": "TERM 2", "serie": "Générale",
                             "avis_engagement": ("texte", "NOM", "Prénom"), "avis_investissement": None,
                             "avis_chef_etab": None,
                             "evaluations": [{"code": "061300", "modalite": "S",
                                              "structure": (28, "11.40", "14.29", "42.86", "42.85"),
                                              "appreciation": "...", "periodes": ["12.00", "13.50", "-1"],
                                              "competences": [("0022", "3")],
                                              "enseignants": [("DUPONT", "Marie")]}]}],
                 "historique": [("6EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES"), ...]}]}
"""
from xml.etree import ElementTree as ET

from services.lsl.replication import EXT_NS, LSL_NS

ET.register_namespace("", LSL_NS)
ET.register_namespace("ss", EXT_NS)


def _l(tag: str) -> str:
    return f"{{{LSL_NS}}}{tag}"


def _x(tag: str) -> str:
    return f"{{{EXT_NS}}}{tag}"


def _add(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = str(text)
    return node


def _avis(parent, tag, value):
    if value:
        texte, nom, prenom, *rest = value
        _add(parent, _l(tag), texte, nom=nom, prenom=prenom, date=rest[0] if rest else None)


def lsl_xml(record: dict) -> bytes:
    root = ET.Element(_l("lsl"), {"schemaVersion": "1.0"})
    entete = _add(root, _l("entete"))
    _add(entete, _l("editeur"), "Scolarité services")
    _add(entete, _l("application"), "démonstration")
    _add(entete, _l("etablissement"), record["uai"])
    donnees = _add(root, _l("donnees"))
    for e in record["eleves"]:
        eleve = _add(donnees, _l("eleve"), id=e["id"])
        if e.get("date_sortie"):
            eleve.set(_x("date-sortie"), str(e["date_sortie"]))
        if e.get("engagements") or e.get("engagement_autre"):
            block = _add(eleve, _l("engagements"))
            for code in e.get("engagements", []):
                _add(block, _l("engagement"), code=code)
            if e.get("engagement_autre"):
                _add(block, _l("engagement-autre"), e["engagement_autre"])
        if e.get("avis_examen"):
            _add(eleve, _l("avisExamen"), code=e["avis_examen"])
        scolarites = _add(eleve, _l("scolarites"))
        for a in e["annees"]:
            attrs = {"annee-scolaire": a["annee"], "code-periode": a.get("periode", "T"),
                     _x("classe"): a.get("classe"), _x("serie"): a.get("serie")}
            s = _add(scolarites, _l("scolarite"), **attrs)
            _avis(s, "avisEngagement", a.get("avis_engagement"))
            _avis(s, "avisInvestissement", a.get("avis_investissement"))
            _avis(s, "avisChefEtab", a.get("avis_chef_etab"))
            for ev in a.get("evaluations", []):
                node = _add(s, _l("evaluation"), **{"modalite-election": ev.get("modalite", "S"),
                                                    "code-matiere": ev["code"]})
                effectif, moyenne, moins, milieu, plus = ev["structure"]
                _add(node, _l("structure"), effectif=effectif, moyenne=moyenne, **{
                    "repar-moins-huit": moins, "repar-huit-douze": milieu, "repar-plus-douze": plus})
                _add(node, _l("annuelle"), ev["appreciation"])
                if ev.get("periodes"):
                    periodiques = _add(node, _l("periodiques"))
                    for i, moyenne_periode in enumerate(ev["periodes"], start=1):
                        _add(periodiques, _l("periode"), numero=i, moyenne=moyenne_periode)
                if ev.get("competences"):
                    block = _add(node, _l("competences"))
                    for code, niveau in ev["competences"]:
                        _add(block, _l("competence"), niveau, code=code)
                teachers = _add(node, _l("enseignants"))
                for nom, prenom in ev.get("enseignants", []):
                    _add(teachers, _l("enseignant"), nom=nom, prenom=prenom)
        if e.get("historique") is not None:
            historique = _add(eleve, _x("historique"))
            for classe, annee, etab, commune in e["historique"]:
                _add(historique, _x("annee"), classe=classe, etablissement=etab, commune=commune,
                     **{"annee-scolaire": annee})
    if record.get("matieres") or record.get("competences"):
        nomenclature = _add(root, _x("nomenclature"))
        for code, libelle, regroupement in record.get("matieres", []):
            _add(nomenclature, _x("matiere"), code=code, libelle=libelle, regroupement=regroupement)
        for code, libelle in record.get("competences", []):
            _add(nomenclature, _x("competence"), code=code, libelle=libelle)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
