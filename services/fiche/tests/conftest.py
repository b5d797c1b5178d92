"""Fixtures of the fiche service's unit tests: a migrated database on each
backend, a worker of the service on it (no broker), one establishment's
record imported through the service's own import, and accounts' answer to
"who is this viewer" kept in a table (the e2e tests use the real accounts)."""
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from common.clock import PARIS
from common.errors import NotFound
from services.fiche.dependencies import TtlCache
from services.fiche.service import FicheService
from tests.fixtures import migrated_session

UAI = "0591234X"
OTHER_UAI = "0595678Y"
# A school day at 10:00 (no quiet hours for the confirmation mails).
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)

# accounts' ids: students and accounts.
HUGO, LUCAS, INES = 1, 2, 3
PHILIPPE, MARIE, LUCAS_ACCOUNT, NADIA = 501, 502, 601, 701

IDENTITIES = {
    (PHILIPPE, HUGO): {"siecle_eleve_id": "1001", "siecle_personne_ids": ["5001"], "email": "philippe@example.org",
                       "prenom": "Philippe", "nom": "MARTIN"},
    (MARIE, HUGO): {"siecle_eleve_id": "1001", "siecle_personne_ids": ["5002"], "email": "marie@example.org",
                    "prenom": "Marie", "nom": "DURAND"},
    (LUCAS_ACCOUNT, LUCAS): {"siecle_eleve_id": "1002", "siecle_personne_ids": [], "email": "lucas@example.org",
                             "prenom": "Lucas", "nom": "LEFEBVRE"},
    (NADIA, INES): {"siecle_eleve_id": "2001", "siecle_personne_ids": ["6001"], "email": "nadia@example.org",
                    "prenom": "Nadia", "nom": "BERNARD", "etablissement_uai": OTHER_UAI},
}


def siecle_identity(account_id, eleve_id):
    found = IDENTITIES.get((account_id, eleve_id))
    if found is None:
        raise NotFound("Élève introuvable.")
    return {"etablissement_uai": UAI, **found}


def payload(uai=UAI):
    adresse_martin = {"ligne1": "1 RUE DU MOULIN", "code_postal": "59580", "commune": "EMERCHICOURT",
                      "code_commune_insee": "59192", "pays": "100"}
    adresse_durand = {"ligne1": "12 AVENUE FOCH", "code_postal": "59000", "commune": "LILLE", "pays": "100"}
    return {
        "etablissement": {"uai": uai, "nom": "COLLÈGE JEAN MOULIN"},
        "eleves": [
            {"siecle_eleve_id": "1001", "nom": "MARTIN", "prenom": "Hugo", "sexe": "1", "date_naissance": "2013-04-04",
             "naissance_pays": "100", "naissance_commune_insee": "93007", "code_regime": "29",
             "tel_portable": "+33612345678", "email": "hugo@example.org"},
            {"siecle_eleve_id": "1002", "nom": "LEFEBVRE", "prenom": "Lucas", "sexe": "1",
             "date_naissance": "2007-03-12", "naissance_pays": "109", "naissance_ville": "BERLIN",
             "code_regime": "0"},
        ],
        "personnes": [
            {"siecle_personne_id": "5001", "civilite": "M.", "nom": "MARTIN", "prenom": "Philippe",
             "code_profession": "52", "tel_personnel": "+33361169666", "tel_portable": "+33612345678",
             "email": "phillippe.martin@example.org", "adresse_id": "A1", "adresse": adresse_martin},
            {"siecle_personne_id": "5002", "civilite": "MME", "nom": "DURAND", "prenom": "Marie",
             "code_profession": "43", "tel_portable": "+33611111111", "communication_adresse": True,
             "email": "marie.durand@example.org", "adresse_id": "A2", "adresse": adresse_durand},
            {"siecle_personne_id": "5003", "civilite": "MME", "nom": "LEFEBVRE", "prenom": "Sophie",
             "tel_portable": "+33622222222", "adresse_id": "A3", "adresse": adresse_durand},
        ],
        "liens": [
            {"siecle_eleve_id": "1001", "siecle_personne_id": "5001", "niveau_responsabilite": 1,
             "code_parente": "20", "paie_frais": True},
            {"siecle_eleve_id": "1001", "siecle_personne_id": "5002", "niveau_responsabilite": 1,
             "code_parente": "10"},
            {"siecle_eleve_id": "1002", "siecle_personne_id": "5003", "niveau_responsabilite": 1,
             "code_parente": "10"},
        ],
    }


@pytest.fixture
def fiche_db(databases, backend):
    with migrated_session(databases, backend, "fiche") as session:
        yield session


@pytest.fixture
def fiche(fiche_db, clock):
    clock.move_to(MONDAY)
    # No caching of accounts' answers: each test sees them as they are.
    service = worker_factory(FicheService, db=fiche_db, clock=clock, identities=TtlCache(0))
    service.accounts.siecle_identity.side_effect = siecle_identity
    service.import_siecle(payload())
    return service


def child(eleve_id=HUGO, account_id=PHILIPPE, role="responsable", majeur=False, uai=UAI):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": account_id,
            "viewer_role": role, "eleve_majeur": majeur}


def champs(tab: dict) -> dict:
    """{field: (shown value, pending shown value or None)} of a tab."""
    return {c["champ"]: (c["affichage"], c["en_attente"]["affichage"] if c["en_attente"] else None)
            for c in tab["champs"]}


def sent_mails(service) -> list[dict]:
    """The mail requests the service dispatched to the mailer."""
    return [m for call in service.mail_events.call_args_list for m in call.args[1]["messages"]]

