"""Fixtures of the inscription service's unit tests: a migrated database on
each backend, the 2027 campaign (Friday 25 June 14:30 to Monday 28 June
23:59, as the FAQ's), assignment results covering every eligibility case, a
lycée's offer, and a worker of the service on them (no broker). Accounts is
replaced by the students it would list; the fiche by its own validation
module, so the rules applied are the fiche's, not a copy."""
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from common.clock import PARIS
from common.errors import NotFound
from services.fiche import validation as fiche_validation
from common.settings import defaults
from services.inscription.service import InscriptionService
from tests.fixtures import migrated_session

COLLEGE, PRIVE, LYCEE, LYCEE_PRIVE, LYCEE_AMIENS = "0591234X", "0597777P", "0595678Y", "0595555Z", "0801111K"
ANNEE = 2027
MEF_2GT = "20010010110"
NB = "\u00a0"

OPENS = datetime(2027, 6, 25, 14, 30, tzinfo=PARIS)
CLOSES = datetime(2027, 6, 28, 23, 59, tzinfo=PARIS)
# Saturday evening, during the campaign.
DURING = datetime(2027, 6, 26, 19, 8, tzinfo=PARIS)


def ine(n: int) -> str:
    return f"{n:010d}A"


# eleve_id -> (collège, lycée, formation type, tour)
CASES = {
    1: (COLLEGE, LYCEE, "2GT", 1),
    2: (COLLEGE, LYCEE, "2GT", 2),          # second round: at the lycée
    3: (COLLEGE, LYCEE, "1GT", 1),          # not an entry training
    4: (PRIVE, LYCEE, "2GT", 1),            # private collège, public lycée: eligible
    5: (PRIVE, LYCEE_PRIVE, "2GT", 1),      # private lycée: at the lycée
    6: (COLLEGE, LYCEE_AMIENS, "2GT", 1),   # another académie
    7: (COLLEGE, LYCEE, "2PRO", 1),
    8: (COLLEGE, LYCEE, "CAP1", 1),
    9: (COLLEGE, LYCEE, "2BT", 1),
}
LYCEES = {LYCEE: ("LYCÉE MARGUERITE DE FLANDRE", True, "LILLE"), LYCEE_PRIVE: ("LYCÉE SAINT-JUDE", False, "LILLE"),
          LYCEE_AMIENS: ("LYCÉE DE LA SOMME", True, "AMIENS")}


class Accounts:
    """What accounts answers: the students of each collège, with their INE."""

    def list_eleves(self, uai):
        found = [{"eleve_id": n, "ine": ine(n), "nom": "MARTIN", "prenom": f"Élève{n}", "classe": "3A"}
                 for n, case in CASES.items() if case[0] == uai]
        if uai not in (COLLEGE, PRIVE):
            raise NotFound(uai)
        return found

    def administers(self, account_id, uai):
        return account_id != 666


class Fiche:
    """The fiche service's `validate_changes`, run in-process: its own rules."""

    def __init__(self, clock):
        self.clock = clock

    def validate_changes(self, onglet, changes):
        return fiche_validation.clean_changes(onglet, changes, self.clock.today())


def row(eleve_id: int, **overrides) -> dict:
    college, lycee, formation_type, tour = CASES[eleve_id]
    nom, public, academie = LYCEES[lycee]
    return {"ine": ine(eleve_id), "nom": "MARTIN", "prenom": f"Élève{eleve_id}", "college_uai": college,
            "college_nom": "COLLÈGE JEAN MOULIN" if college == COLLEGE else "COLLÈGE SAINTE-ANNE",
            "college_prive": "O" if college == PRIVE else "N", "college_telephone": "03 20 81 00 00",
            "college_email": f"ce.{college.lower()}@example.org", "lycee_uai": lycee, "lycee_nom": nom,
            "lycee_public": "O" if public else "N", "lycee_adresse": "4 RUE DU MARÉCHAL LEDUC",
            "lycee_code_postal": "59147", "lycee_commune": "GONDECOURT", "lycee_academie": academie,
            "mef": MEF_2GT, "formation_type": formation_type,
            "formation": "2nde générale et technologique", "sections": ["Section européenne anglais"],
            "tour": tour, "voeux": [{"rang": 1, "libelle": f"{nom} – 2nde GT", "resultat": "Affecté"}], **overrides}


OFFRE = {"lycee_uai": LYCEE, "mef": MEF_2GT,
         "lv1": [{"code": "AGL1", "libelle": "Anglais"}, {"code": "ALL1", "libelle": "Allemand"}],
         "lv2": [{"code": "ESP2", "libelle": "Espagnol"}, {"code": "ALL2", "libelle": "Allemand"},
                 {"code": "AGL2", "libelle": "Anglais"}],
         "options": [{"code": "LATIN", "libelle": "Latin"}, {"code": "CHINOIS", "libelle": "Chinois LV C"},
                     {"code": "ARTS", "libelle": "Arts plastiques"}],
         "sections": [{"code": "EURO_AGL", "libelle": "Section européenne anglais"}], "max_options": 2}


@pytest.fixture
def inscription_db(databases, backend):
    with migrated_session(databases, backend, "inscription") as session:
        yield session


@pytest.fixture
def inscription(inscription_db, clock):
    return worker_factory(InscriptionService, db=inscription_db, clock=clock, accounts=Accounts(), fiche=Fiche(clock),
                          settings=defaults(InscriptionService))


@pytest.fixture
def loaded(inscription, clock):
    """The campaign set, every case's assignment and the lycée's offer
    imported, the clock during the campaign."""
    clock.move_to(datetime(2027, 6, 20, 10, 0, tzinfo=PARIS))
    inscription.save_campagne({"annee_scolaire": "2027", "ouverture": "25/06/2027 14:30",
                               "cloture": "28/06/2027 23:59"}, account_id=1)
    report = inscription.import_affectations(ANNEE, [row(n) for n in CASES])
    assert report["creees"] == len(CASES) and report["ignorees"] == []
    inscription.import_offres([OFFRE])
    inscription.set_message_lycee(LYCEE, "Bienvenue au lycée Marguerite de Flandre !", account_id=None)
    clock.move_to(DURING)
    return inscription


def child(eleve_id=1, uai=COLLEGE, role="responsable", viewer=None):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": viewer or 500 + eleve_id,
            "viewer_role": role, "eleve_majeur": False}


CLAIRE = {"prenom": "Claire", "nom": "MARTIN", "email": "claire.martin@example.fr"}
PHILIPPE = {"prenom": "Philippe", "nom": "MARTIN", "email": "philippe.martin@example.fr"}
VOEUX = {"lv1": "AGL1", "lv2": "ESP2", "options": ["LATIN"], "section": "EURO_AGL"}
