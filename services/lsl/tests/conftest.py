"""Fixtures of the LSL service's unit tests: a migrated database on each
backend and a worker of the service on it (no broker). Accounts, the other
service it asks, is replaced by a small double answering what accounts would
for the establishments and students below (interface tests, STYLE)."""
import copy

import pytest
from nameko.testing.services import worker_factory

from common.errors import NotFound
from services.lsl.service import LslService
from tests.fixtures import migrated_session
from tools.lsl_writer import lsl_xml

LYCEE, OTHER_LYCEE, COLLEGE = "0599003C", "0599004D", "0599001A"
ETABLISSEMENTS = {
    LYCEE: {"uai": LYCEE, "nom": "LYCÉE MARGUERITE DE FLANDRE", "type": "lycee", "commune": "GONDECOURT"},
    OTHER_LYCEE: {"uai": OTHER_LYCEE, "nom": "LYCÉE JEAN MOULIN", "type": "lycee", "commune": "ROUBAIX"},
    COLLEGE: {"uai": COLLEGE, "nom": "COLLÈGE JEAN MOULIN", "type": "college", "commune": "WATTIGNIES"},
}
# The lycée's students as accounts lists them (SIECLE id -> eleve_id).
ELEVES = {
    LYCEE: [{"eleve_id": 11, "siecle_eleve_id": "3001", "nom": "MARTIN", "prenom": "Sarah", "classe": "TERM 2"},
            {"eleve_id": 12, "siecle_eleve_id": "3002", "nom": "LEFEBVRE", "prenom": "Lucas", "classe": "TERM 2"},
            {"eleve_id": 13, "siecle_eleve_id": "3003", "nom": "DIALLO", "prenom": "Maëlys", "classe": "TERM 2"},
            {"eleve_id": 14, "siecle_eleve_id": "3004", "nom": "ROBIN", "prenom": "Théo", "classe": "TERM 2"},
            {"eleve_id": 15, "siecle_eleve_id": "3005", "nom": "CARON", "prenom": "Zoé", "classe": "TERM 2"},
            {"eleve_id": 16, "siecle_eleve_id": "3006", "nom": "FAURE", "prenom": "Jules", "classe": "TERM 2"}],
    OTHER_LYCEE: [{"eleve_id": 21, "siecle_eleve_id": "4001", "nom": "PETIT", "prenom": "Inès", "classe": "1RE 1"}],
}

MATIERES = [("061300", "Mathématiques", "Enseignements obligatoires"),
            ("020100", "Français", "Enseignements obligatoires"),
            ("100100", "Éducation physique et sportive", "Enseignements obligatoires"),
            ("030201", "Latin", "Enseignements facultatifs")]
COMPETENCES = [("0022", "Raisonner, démontrer"), ("0023", "Communiquer à l'écrit"),
               ("0024", "S'exprimer à l'oral en langue étrangère")]


class Accounts:
    """What the LSL service asks accounts, answered from the data above."""

    def __init__(self):
        self.eleves = copy.deepcopy(ELEVES)

    def list_eleves(self, uai):
        return self.eleves.get(uai, [])

    def get_etablissement(self, uai):
        if uai not in ETABLISSEMENTS:
            raise NotFound(uai)
        return ETABLISSEMENTS[uai]

    def administers(self, account_id, uai):
        # Staff account 1 administers every establishment of these tests;
        # accounts' own tests hold the real rule.
        return account_id == 1


@pytest.fixture
def lsl_db(databases, backend):
    with migrated_session(databases, backend, "lsl") as session:
        yield session


@pytest.fixture
def lsl(lsl_db, clock):
    return worker_factory(LslService, db=lsl_db, clock=clock, accounts=Accounts())


def child(eleve_id=11, uai=LYCEE, role="responsable", majeur=False, viewer=None):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": viewer or 500 + eleve_id,
            "viewer_role": role, "eleve_majeur": majeur}


def all_years(lsl, viewer) -> list[dict]:
    """Every evaluated year of the Enseignements page, as a family goes through them."""
    return [lsl.enseignements(viewer, annee=y["annee_scolaire"])["annee"]
            for y in lsl.enseignements(viewer)["annees"]]


def evaluation(code="061300", appreciation="Travail régulier, des progrès réels.", **overrides):
    return {"code": code, "modalite": "S", "structure": (28, "11.40", "14.29", "42.86", "42.85"),
            "appreciation": appreciation, "periodes": ["12.00", "13.50", "14.00"],
            "competences": [("0022", "3"), ("0023", "4")], "enseignants": [("DUPONT", "Marie")], **overrides}


def annee(year, classe, evaluations=None, serie="Générale", **overrides):
    return {"annee": year, "periode": "T", "classe": classe, "serie": serie,
            "evaluations": [evaluation()] if evaluations is None else evaluations, **overrides}


def eleve(siecle_id="3001", annees=None, **overrides):
    return {"id": siecle_id, "annees": annees or [annee(2025, "1RE 2"), annee(2026, "TERM 2")], **overrides}


def xml(*eleves, uai=LYCEE, nomenclature=True) -> bytes:
    record = {"uai": uai, "eleves": list(eleves) or [eleve()]}
    if nomenclature:
        record.update(matieres=MATIERES, competences=COMPETENCES)
    return lsl_xml(record)
