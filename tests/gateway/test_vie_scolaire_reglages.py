"""The vie scolaire administration in the gateway (FakeRpc): the CPE (accounts
gives the "vie_scolaire" domain only) reaches the vie scolaire pages of their
establishment and nothing else of its administration; the settings page
(half-day boundary, motifs, periods) sends each form to the service and puts
its refusals beside the fields, keeping what was typed."""
import re

import pytest

from contract.errors import ValidationError
from tests.gateway.viewers import UAI_A, UAI_B, log_in, staff
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}, "vie_scolaire": {"label": "Vie scolaire", "order": 30}}
REGLAGES = {"etablissement_uai": UAI_A, "annee_scolaire": 2026, "heure_demi_journee": "12:00",
            "motifs": [{"code": "MAL", "libelle": "Maladie", "parents": True}], "classes": ["5A", "6B"],
            "calendriers": [{"classe": "", "periodes": [
                {"numero": 1, "libelle": "1er trimestre", "debut": "2026-09-01", "fin": "2026-11-30"}]}]}


def cpe(uai=UAI_A):
    return {**staff(uai, account_id=60), "fonction": "cpe", "domaines": ["vie_scolaire"]}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": f"Collège {uai}", "commune": "Paris", "message_accueil": ""}
    fake_rpc.answers[("vie_scolaire", "reglages")] = lambda uai: REGLAGES
    fake_rpc.answers[("vie_scolaire", "pending_justifications")] = lambda uai: []
    return make_app(SERVICES).test_client()


def test_a_cpe_reaches_the_vie_scolaire_pages_and_nothing_else(client, fake_rpc):
    log_in(client, fake_rpc, cpe())
    home = client.get("/admin/")
    assert home.status_code == 302 and home.location.endswith(f"/admin/etablissement/{UAI_A}/vie-scolaire/justifications")
    page = client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/justifications")
    assert page.status_code == 200
    assert f'href="/admin/etablissement/{UAI_A}/"' not in page.text
    assert client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/reglages").status_code == 200
    for url in (f"/admin/etablissement/{UAI_A}/", f"/admin/etablissement/{UAI_A}/lettres",
                f"/admin/etablissement/{UAI_B}/vie-scolaire/reglages"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/etablissement/{UAI_A}/ouverture/vie_scolaire",
                       data={"ouvert": "1", "annee": "2026"}).status_code == 404
    assert fake_rpc.called("vie_scolaire", "set_opening") == []


def test_a_viewer_without_the_vie_scolaire_domain_does_not_reach_its_pages(client, fake_rpc):
    log_in(client, fake_rpc, {**staff(UAI_A), "domaines": ["etablissement"]})
    assert client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/reglages").status_code == 404
    assert fake_rpc.called("vie_scolaire", "reglages") == []


def test_the_settings_page_shows_the_boundary_motifs_and_calendars(client, fake_rpc):
    log_in(client, fake_rpc, cpe())
    text = text_of(client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/reglages").text)
    assert "MAL Maladie oui" in text
    assert "1er trimestre 01/09/2026 30/11/2026" in text
    assert "Périodes de l'année 2026-2027" in text


def test_each_form_goes_to_the_service_with_the_viewers_account(client, fake_rpc):
    log_in(client, fake_rpc, cpe())
    base = f"/admin/etablissement/{UAI_A}/vie-scolaire/reglages"
    fake_rpc.answers[("vie_scolaire", "set_settings")] = lambda **kw: {}
    fake_rpc.answers[("vie_scolaire", "save_motif")] = lambda **kw: {"crees": 1, "modifies": 0}
    fake_rpc.answers[("vie_scolaire", "save_calendrier")] = lambda **kw: {}
    assert client.post(f"{base}/heure", data={"heure_demi_journee": "11:55"}).status_code == 302
    assert client.post(f"{base}/motif", data={"code": "RDV", "libelle": "Rendez-vous", "parents": "y"}).status_code == 302
    assert client.post(f"{base}/calendrier", data={
        "classe": "5A", "p1_libelle": "S1", "p1_debut": "01/09/2026", "p1_fin": "31/01/2027",
        "p2_libelle": "S2", "p2_debut": "01/02/2027", "p2_fin": "04/07/2027"}).status_code == 302
    assert fake_rpc.called("vie_scolaire", "set_settings") == [
        {"uai": UAI_A, "heure_demi_journee": "11:55", "account_id": 60}]
    assert fake_rpc.called("vie_scolaire", "save_motif") == [
        {"uai": UAI_A, "account_id": 60, "motif": {"code": "RDV", "libelle": "Rendez-vous", "parents": True}}]
    assert fake_rpc.called("vie_scolaire", "save_calendrier") == [{
        "uai": UAI_A, "classe": "5A", "account_id": 60, "periodes": [
            {"numero": 1, "libelle": "S1", "debut": "01/09/2026", "fin": "31/01/2027"},
            {"numero": 2, "libelle": "S2", "debut": "01/02/2027", "fin": "04/07/2027"}]}]


def test_refusals_are_shown_beside_their_fields_with_what_was_typed(client, fake_rpc):
    log_in(client, fake_rpc, cpe())
    base = f"/admin/etablissement/{UAI_A}/vie-scolaire/reglages"
    fake_rpc.answers[("vie_scolaire", "save_calendrier")] = ValidationError(
        {"p2_debut": ["La période 2 de la classe 5A commence avant la fin de la période 1."]})
    page = client.post(f"{base}/calendrier", data={
        "classe": "5A", "p1_libelle": "S1", "p1_debut": "01/09/2026", "p1_fin": "31/01/2027",
        "p2_libelle": "S2", "p2_debut": "15/01/2027", "p2_fin": "04/07/2027"})
    assert page.status_code == 400
    assert re.search(r'id="p2_debut-erreurs">\s*<p class="[^"]*fr-error-text">La période 2 de la classe 5A', page.text)
    assert 'value="15/01/2027"' in page.text
    fake_rpc.answers[("vie_scolaire", "set_settings")] = ValidationError({"heure_demi_journee": ["Heure invalide."]})
    page = client.post(f"{base}/heure", data={"heure_demi_journee": "25:00"})
    assert page.status_code == 400
    assert re.search(r'id="heure_demi_journee-erreurs">\s*<p class="[^"]*fr-error-text">Heure invalide.', page.text)
