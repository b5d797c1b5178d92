"""Fixtures of the bourses service's unit tests: a migrated database on each
backend, the barème of the data file (the 2024-2025 figures), and a worker of
the service on them (no broker; accounts replaced by the two establishments
it would describe)."""
from datetime import datetime
from pathlib import Path

import pytest
from nameko.testing.services import worker_factory

from common.clock import PARIS
from common.config import ROOT
from common.errors import NotFound
from services.bourses import service as service_module
from services.bourses.service import BoursesService
from tests.fixtures import migrated_session
from tools.import_bourses import read_bareme

COLLEGE_UAI, LYCEE_UAI, ECOLE_UAI = "0591234X", "0595678Y", "0590001A"
ANNEE = 2024
BAREME_FILE = ROOT / "tools" / "data" / "bareme_bourses_2024-2025.csv"


class Accounts:
    """What accounts answers about establishments (get_etablissement)."""

    ETABLISSEMENTS = {
        COLLEGE_UAI: {"uai": COLLEGE_UAI, "nom": "Collège Jean Moulin", "type": "college"},
        LYCEE_UAI: {"uai": LYCEE_UAI, "nom": "Lycée Victor Hugo", "type": "lycee"},
        ECOLE_UAI: {"uai": ECOLE_UAI, "nom": "École élémentaire", "type": "ecole"},
    }

    def get_etablissement(self, uai):
        if uai not in self.ETABLISSEMENTS:
            raise NotFound(uai)
        return self.ETABLISSEMENTS[uai]


@pytest.fixture
def bourses_db(databases, backend):
    with migrated_session(databases, backend, "bourses") as session:
        yield session


@pytest.fixture
def bourses(bourses_db, clock):
    # The per-process caches start empty for every test (no order dependence).
    service_module._etablissements.clear()
    service_module._open_windows.clear()
    return worker_factory(BoursesService, db=bourses_db, clock=clock, accounts=Accounts())


def bareme_file() -> dict:
    return read_bareme(Path(BAREME_FILE))


@pytest.fixture
def loaded(bourses):
    """The 2024-2025 barème loaded, and both campaigns of 2024 set."""
    for (annee, niveau), echelons in bareme_file().items():
        bourses.load_bareme(annee, niveau, echelons)
    bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "02/09/2024",
                           "cloture": "17/10/2024"}, account_id=1)
    bourses.save_campagne({"annee_scolaire": "2024", "niveau": "lycee", "ouverture": "02/09/2024",
                           "cloture": "17/10/2024"}, account_id=1)
    return bourses


# During the 2024 campaigns, on a working day (mails go out at once).
IN_CAMPAIGN = datetime(2024, 9, 16, 10, 0, tzinfo=PARIS)


def child(eleve_id=1, uai=COLLEGE_UAI, role="responsable", majeur=False, viewer=None):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": viewer or 500 + eleve_id,
            "viewer_role": role, "eleve_majeur": majeur}


DEMANDEUR = {"prenom": "Claire", "nom": "Martin", "email": "claire.martin@example.fr"}
ELEVE = {"prenom": "Léo", "nom": "Martin", "classe": "5A"}


def form(**overrides):
    """The form as the browser posts it (strings)."""
    return {"situation": "maries_pacses", "enfants_a_charge": "2", "revenu_fiscal_reference": "11 928",
            "annee_avis": "2024", **overrides}
