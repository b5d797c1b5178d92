"""The error-to-page table (gateway/errors.py): a wire error that no view
answers itself becomes the French page of its type, never a stack trace."""
import pytest

from contract.accounts import MergeRefused
from contract.errors import Forbidden, NotFound, ValidationError
from contract.notes import NotesClosed
from tests.gateway.viewers import UAI_A, log_in, staff

SERVICES = {"accounts": {}, "mailer": {}, "notes": {"label": "Notes", "order": 20}}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": "Collège A", "commune": "Paris", "message_accueil": ""}
    client = make_app(SERVICES).test_client()
    log_in(client, fake_rpc, staff(UAI_A))
    return client


@pytest.mark.parametrize("error, status, title", [
    (NotFound("x"), 404, "Page introuvable"),
    (Forbidden("x"), 404, "Page introuvable"),
    # A service's own error finds the page of the type it extends.
    (NotesClosed("x"), 404, "Service non ouvert"),
    (ValidationError({"mode": ["Mode inconnu."]}), 400, "Demande refusée"),
    (MergeRefused("same"), 400, "Demande refusée"),
])
def test_a_wire_error_no_view_answers_gets_its_page(client, fake_rpc, error, status, title):
    fake_rpc.answers[("notes", "get_settings")] = error

    page = client.get(f"/admin/etablissement/{UAI_A}/notes")
    assert page.status_code == status
    assert title in page.text.split("<main", 1)[1]
    assert "Traceback" not in page.text

