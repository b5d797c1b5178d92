"""The académie's links in the gateway (FakeRpc): the menu lays out what
accounts says each child's viewer gets, as links opening a new tab without
opener access, with their domain and the computer-only mention; operators
declare them (accounts' messages beside the fields), staff open them for their
own establishment only, families reach none of these pages."""
import re

import pytest

from contract.errors import Forbidden, OutcomeUnknown, Unavailable, ValidationError
from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable, staff
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}}
PIX = {"id": 7, "nom": "Pix", "adresse": "https://app.pix.fr/", "domaine": "app.pix.fr",
       "description": "Compétences numériques", "ordinateur_seulement": False}
LPC = {"id": 8, "nom": "LPC", "adresse": "https://lpc.ac-lille.fr/?a=1&b=2", "domaine": "lpc.ac-lille.fr",
       "description": "", "ordinateur_seulement": True}


def declared(**overrides):
    return {**PIX, "audience": "eleves", "types_etablissement": ["college"], "http_autorise": False, **overrides}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": f"Collège {uai}", "commune": "Paris", "message_accueil": ""}
    fake_rpc.answers[("accounts", "get_openings")] = lambda uais, annee_scolaire: {
        u: {"open": True, "staff_can_change": False, "annee_scolaire": annee_scolaire} for u in uais}
    fake_rpc.answers[("accounts", "lien_openings")] = lambda uai, annee_scolaire: [
        {**declared(), "open": False, "annee_scolaire": annee_scolaire}]
    fake_rpc.answers[("accounts", "list_liens")] = [declared()]
    return make_app(SERVICES).test_client()


def menu_of(page) -> str:
    return page.text.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]


def test_the_menu_shows_each_childs_links_safely_with_domain_and_computer_mention(client, fake_rpc):
    hugo, lea = child(101, "Hugo"), child(102, "Léa", UAI_B)
    hugo["liens"], lea["liens"] = [PIX, LPC], []
    log_in(client, fake_rpc, responsable(hugo, lea))

    menu = menu_of(client.get("/eleve/101/"))
    anchors = re.findall(r'<a class="fr-sidemenu__link" href="https://[^"]*"[^>]*>', menu)
    assert len(anchors) == 2
    for anchor in anchors:
        assert 'target="_blank"' in anchor and 'rel="noopener noreferrer"' in anchor
    assert 'href="https://lpc.ac-lille.fr/?a=1&amp;b=2"' in menu
    assert menu.count("(ouvre un nouvel onglet)") == 2
    assert re.search(r"lpc\.ac-lille\.fr</span> – <span[^>]*>accessible depuis un ordinateur", menu)
    assert "app.pix.fr" in menu and "Compétences numériques" in menu
    # Léa's establishment opened none: her menu has no link.
    assert "lien-academique" not in menu_of(client.get("/eleve/102/"))


def test_a_link_name_is_text_never_markup(client, fake_rpc):
    hugo = child(101, "Hugo")
    hugo["liens"] = [{**PIX, "nom": '<img src=x onerror="alert(1)">'}]
    log_in(client, fake_rpc, responsable(hugo))
    menu = menu_of(client.get("/eleve/101/"))
    assert "<img" not in menu and "&lt;img" in menu


def test_an_operator_declares_a_link_and_sees_accounts_refusal_beside_the_field(client, fake_rpc):
    log_in(client, fake_rpc, staff(None, role="operator"))
    fake_rpc.answers[("accounts", "declare_lien")] = ValidationError(
        {"adresse": ["Seules les adresses en https sont acceptées."]})
    form = {"nom": "Pix", "adresse": "http://app.pix.fr/", "audience": "eleves", "types_etablissement": "college"}
    page = client.post("/admin/liens/", data=form)
    assert page.status_code == 200
    assert re.search(r'id="adresse-erreurs">\s*<p class="[^"]*fr-error-text">Seules les adresses en https', page.text)
    assert 'value="http://app.pix.fr/"' in page.text

    fake_rpc.answers[("accounts", "declare_lien")] = lambda payload, account_id: declared()
    page = client.post("/admin/liens/", data={**form, "adresse": "https://app.pix.fr/", "ordinateur_seulement": "y"})
    assert page.status_code == 302
    [call] = fake_rpc.called("accounts", "declare_lien")[1:]
    assert call == {"account_id": 50, "payload": {
        "nom": "Pix", "adresse": "https://app.pix.fr/", "description": "", "audience": "eleves",
        "types_etablissement": ["college"], "ordinateur_seulement": True, "http_autorise": False}}


def test_an_unavailable_accounts_service_keeps_what_the_operator_typed(client, fake_rpc):
    log_in(client, fake_rpc, staff(None, role="operator"))
    fake_rpc.answers[("accounts", "declare_lien")] = Unavailable("accounts")
    page = client.post("/admin/liens/", data={"nom": "Pix", "adresse": "https://app.pix.fr/", "audience": "eleves",
                                              "types_etablissement": "college"})
    assert "momentanément indisponible : rien n'a été enregistré" in text_of(page.text)
    assert 'value="https://app.pix.fr/"' in page.text
    fake_rpc.answers[("accounts", "declare_lien")] = OutcomeUnknown("accounts")
    page = client.post("/admin/liens/", data={"nom": "Pix", "adresse": "https://app.pix.fr/", "audience": "eleves",
                                              "types_etablissement": "college"})
    assert "nous ne savons pas encore si le lien est enregistré" in text_of(page.text)


@pytest.mark.parametrize("viewer", [staff(UAI_A), responsable(child(101, "Hugo"))])
def test_only_operators_reach_the_declaration_pages(client, fake_rpc, viewer):
    log_in(client, fake_rpc, viewer)
    assert client.get("/admin/liens/").status_code == 404
    assert client.post("/admin/liens/7/retirer").status_code == 404
    assert fake_rpc.called("accounts", "list_liens") == []


def _year_offered(client) -> str:
    """The school year the establishment's page offers to open the link for."""
    page = client.get(f"/admin/etablissement/{UAI_A}/").text
    return re.search(r'/lien/7\?[^"]*annee=(\d+)', page).group(1)


def test_opening_a_link_first_says_what_will_happen(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    page = client.get(f"/admin/etablissement/{UAI_A}/").text
    # The button leads to a confirmation step, not to the change.
    link = re.search(r'href="([^"]*/lien/7\?[^"]*)"[^>]*>\s*Ouvrir «\s*Pix\s*»', page).group(1).replace("&amp;", "&")
    confirm = client.get(link)
    text = text_of(confirm.text)
    assert confirm.status_code == 200 and "Ouvrir « Pix » ?" in text
    assert "sera affiché dans le menu des élèves de l'établissement Collège " + UAI_A in text
    assert "app.pix.fr" in text and "Confirmer l'ouverture" in text and "Annuler" in text
    assert f'action="/admin/etablissement/{UAI_A}/lien/7"' in confirm.text
    assert fake_rpc.called("accounts", "set_lien_opening") == []
    # Closing says so too; a link not offered to the establishment has no step.
    fake_rpc.answers[("accounts", "lien_openings")] = lambda uai, annee_scolaire: [
        {**declared(), "open": True, "annee_scolaire": annee_scolaire}]
    closing = text_of(client.get(link.replace("ouvert=1", "ouvert=0")).text)
    assert "Fermer « Pix » ?" in closing and "ne sera plus affiché dans le menu des élèves" in closing
    assert client.get(link.replace("/lien/7", "/lien/9")).status_code == 404
    assert client.get(link.replace(f"/etablissement/{UAI_A}/", f"/etablissement/{UAI_B}/")).status_code == 404


def test_removing_a_declared_link_first_says_what_will_happen(client, fake_rpc):
    log_in(client, fake_rpc, staff(None, role="operator"))
    fake_rpc.answers[("accounts", "get_lien")] = lambda lien_id: declared()
    page = client.get("/admin/liens/").text
    assert 'href="/admin/liens/7/retirer"' in page
    confirm = text_of(client.get("/admin/liens/7/retirer").text)
    assert "Retirer « Pix » ?" in confirm and "tous les établissements qui l'ont ouvert" in confirm
    assert "Confirmer le retrait" in confirm
    assert fake_rpc.called("accounts", "remove_lien") == []


def test_staff_open_a_link_of_their_establishment_only(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    page = client.get(f"/admin/etablissement/{UAI_A}/")
    assert re.search(r"Ouvrir «\s*Pix\s*»", page.text) and "app.pix.fr" in page.text
    fake_rpc.answers[("accounts", "set_lien_opening")] = lambda **kw: {"open": True, "annee_scolaire": kw["annee_scolaire"]}
    year = _year_offered(client)
    done = client.post(f"/admin/etablissement/{UAI_A}/lien/7", data={"ouvert": "1", "annee": year},
                       follow_redirects=True)
    assert "Le lien est affiché dans le menu des familles concernées." in done.text
    assert fake_rpc.called("accounts", "set_lien_opening") == [
        {"uai": UAI_A, "lien_id": 7, "is_open": True, "account_id": 50, "annee_scolaire": int(year)}]

    other = client.post(f"/admin/etablissement/{UAI_B}/lien/7", data={"ouvert": "1", "annee": year})
    assert other.status_code == 404
    assert len(fake_rpc.called("accounts", "set_lien_opening")) == 1


def test_a_link_not_meant_for_the_establishment_is_refused_in_words(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    fake_rpc.answers[("accounts", "set_lien_opening")] = Forbidden("type")
    year = _year_offered(client)
    page = client.post(f"/admin/etablissement/{UAI_A}/lien/7", data={"ouvert": "1", "annee": year},
                       follow_redirects=True)
    assert "Ce service académique n'est pas destiné à cet établissement." in text_of(page.text)


def test_the_openings_page_works_when_the_links_cannot_be_read(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    fake_rpc.answers[("accounts", "lien_openings")] = Unavailable("accounts")
    page = client.get(f"/admin/etablissement/{UAI_A}/")
    assert page.status_code == 200
    assert "Services académiques" in page.text and "momentanément indisponible" in page.text
    assert "Message d'accueil" in text_of(page.text)
