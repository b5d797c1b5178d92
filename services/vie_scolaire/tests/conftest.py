"""Fixtures of the vie scolaire service's unit tests: a migrated database on
each backend and a worker of the service on it (no broker; accounts'
`list_eleves` answers the establishment's students)."""
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from common.clock import PARIS
from services.vie_scolaire.service import VieScolaireService
from tests.fixtures import migrated_session

UAI = "0591234X"
OTHER_UAI = "0595678Y"
# The establishment's students as accounts knows them.
ELEVES = [
    {"eleve_id": 1, "siecle_eleve_id": "1001", "ine": None, "nom": "MARTIN", "prenom": "Léa", "classe": "5A"},
    {"eleve_id": 2, "siecle_eleve_id": "1002", "ine": None, "nom": "BERNARD", "prenom": "Hugo", "classe": "5A"},
    {"eleve_id": 3, "siecle_eleve_id": "1003", "ine": None, "nom": "PETIT", "prenom": "Inès", "classe": "2GT1"},
]
MOTIFS = [{"code": "MAL", "libelle": "Maladie", "parents": "oui"},
          {"code": "FAM", "libelle": "Raisons familiales", "parents": "oui"},
          {"code": "REV", "libelle": "Panne de réveil", "parents": "non"}]
PUNITIONS = [{"code": "RET", "libelle": "Retenue"}, {"code": "DEV", "libelle": "Devoir supplémentaire"}]
TRIMESTRES = [{"numero": "1", "libelle": "1er trimestre", "debut": "01/09/2026", "fin": "30/11/2026"},
              {"numero": "2", "libelle": "2e trimestre", "debut": "01/12/2026", "fin": "28/02/2027"},
              {"numero": "3", "libelle": "3e trimestre", "debut": "01/03/2027", "fin": "04/07/2027"}]


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def vs_db(databases, backend):
    with migrated_session(databases, backend, "vie_scolaire") as session:
        yield session


@pytest.fixture
def vs(vs_db, clock):
    service = worker_factory(VieScolaireService, db=vs_db, clock=clock)
    service.accounts.list_eleves.side_effect = lambda uai: ELEVES if uai == UAI else []
    return service


def child(eleve_id=1, uai=UAI, role="responsable", majeur=False):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": 500 + eleve_id,
            "viewer_role": role, "eleve_majeur": majeur}


def absence(ref, eleve="1001", debut="09/11/2026 08:00", fin="09/11/2026 11:55", **overrides):
    """One line of the events file, as the CSV has it (strings)."""
    return {"ref": ref, "eleve": eleve, "nature": "absence", "debut": debut, "fin": fin,
            "publiable_en_ligne": "oui", **overrides}


def event(ref, nature, eleve="1001", debut="09/11/2026 10:00", **columns):
    return {"ref": ref, "eleve": eleve, "nature": nature, "debut": debut, **columns}


def setup_school(vs, opened=True):
    vs.import_motifs(UAI, MOTIFS)
    vs.import_punitions(UAI, PUNITIONS)
    vs.import_periodes(UAI, TRIMESTRES)
    if opened:
        vs.set_opening(UAI, True, account_id=1)
