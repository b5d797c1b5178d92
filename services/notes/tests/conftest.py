"""Fixtures of the notes service's unit tests: a migrated database on each
backend and a worker of the service on it (no broker)."""
import pytest
from nameko.testing.services import worker_factory

from services.notes import importing
from services.notes.service import NotesService
from tests.fixtures import migrated_session

UAI = "0591234X"
OTHER_UAI = "0595678Y"
# The establishment's students as accounts knows them: SIECLE id -> eleve_id.
ELEVES = {"1001": 1, "1002": 2, "1003": 3, "1004": 4}
MATIERES = [{"code": "MATHS", "libelle": "Mathématiques"}, {"code": "FRANC", "libelle": "Français"},
            {"code": "HG", "libelle": "Histoire-géographie"}]


@pytest.fixture
def notes_db(databases, backend):
    with migrated_session(databases, backend, "notes") as session:
        yield session


@pytest.fixture
def notes(notes_db, clock):
    service = worker_factory(NotesService, db=notes_db, clock=clock)
    return service


def child(eleve_id=1, uai=UAI, role="responsable"):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": 500 + eleve_id,
            "viewer_role": role, "eleve_majeur": False}


def row(evaluation, eleve, note, **overrides):
    """One line of the grades file, as the CSV has it (strings)."""
    base = {"evaluation": evaluation, "matiere": "MATHS", "groupe": "5A", "enseignants": "M. DUPONT",
            "date": "02/11/2026", "titre": f"Contrôle {evaluation}", "coefficient": "1", "bareme": "20",
            "eleve": eleve, "note": note}
    return {**base, **overrides}


def seed(session, rows, now, uai=UAI, eleves=ELEVES):
    importing.import_matieres(session, uai, MATIERES)
    report = importing.import_grades(session, uai, rows, eleves, now)
    session.commit()
    return report
