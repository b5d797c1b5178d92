"""Issue 13 § 10, the staff's administration page: closing (or opening) a
service for every family goes through a step saying what will happen; the
services are named by their label; the school year shown is marked; an empty
services table says why; a refused welcome message keeps the whole page."""
import re

import pytest

from contract.errors import ValidationError
from tests.gateway.viewers import UAI_A, log_in, staff

SERVICES = {"accounts": {"label": "Comptes et établissements"}, "mailer": {"label": "Courriels"},
            "notes": {"label": "Notes", "order": 20}}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


@pytest.fixture
def fake(fake_rpc):
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": "Collège Jean Moulin", "commune": "Lille", "message_accueil": ""}
    fake_rpc.answers[("notes", "get_openings")] = lambda uais, annee_scolaire: {
        u: {"open": True, "staff_can_change": True, "annee_scolaire": annee_scolaire} for u in uais}
    return fake_rpc


def test_closing_a_service_first_says_what_will_happen(make_app, fake, watch):
    client = make_app(SERVICES).test_client()
    log_in(client, fake, staff(UAI_A))
    page = client.get(f"/admin/etablissement/{UAI_A}/").text
    link = re.search(r'href="([^"]*/ouverture/notes\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert fake.called("notes", "set_opening") == []
    confirm = client.get(link)
    text = _text(confirm.text)
    assert "Fermer « Notes » ?" in text
    assert "sera fermé pour toutes les familles de l'établissement Collège Jean Moulin" in text
    assert "Confirmer la fermeture" in text and "Annuler" in text
    # Nothing happened yet: only the confirmation's form acts.
    assert fake.called("notes", "set_opening") == []


def test_services_by_label_the_year_marked_and_an_empty_table_explained(make_app, fake, watch):
    client = make_app({"accounts": SERVICES["accounts"], "mailer": SERVICES["mailer"]}).test_client()
    log_in(client, fake, staff(UAI_A))
    html = client.get(f"/admin/etablissement/{UAI_A}/").text
    text = _text(html)
    assert "(accounts)" not in text and "(mailer)" not in text
    assert "Comptes et établissements" in text
    assert "L'académie n'a déployé aucun service à ouvrir ou fermer" in text
    assert re.search(r'class="fr-tag fr-icon-check-line[^"]*"[^>]*aria-current="page"', html)


def test_a_refused_welcome_message_keeps_the_rest_of_the_page(make_app, fake, watch):
    fake.answers[("accounts", "set_message_accueil")] = ValidationError({"message": ["Message refusé."]})
    client = make_app(SERVICES).test_client()
    log_in(client, fake, staff(UAI_A))
    page = client.post(f"/admin/etablissement/{UAI_A}/message", data={"message": "Bonjour"})
    assert page.status_code == 400
    text = _text(page.text)
    assert "Message refusé." in text and "Bonjour" in page.text
    # The services table and the year are still there.
    assert "Fermer « Notes »" in text and "Services déployés par l'académie" in text
    assert page.text.count('id="erreurs"') == 1
