"""The académie's services shown as links (issue 19, guide § 1.1, § 3.6), end
to end: an operator declares them on the administration pages, each school's
head opens them, and each family's menu shows exactly the links meant for its
establishment and its role, opening in a new tab that has no hold on the
services' page (checked in Chromium, with axe-core's verdict).

Its own platform (accounts, mailer, gateway on SQLite: the links' storage is
tested on both backends in services/accounts/tests/test_liens.py)."""
import re
import uuid
from html import unescape

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICES, checked
from tests.e2e.accounts_support import confirmed_guardian, first_connection, press
from tests.fixtures import Platform
from tests.helpers import WebUser, family_payload, letters_by_name, text_of

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True}}
PASSWORD = "soleil2026"

LIENS = {
    "Pix": {"adresse": "https://app.pix.example.fr/", "audience": "eleves", "types_etablissement": ["college", "lycee"]},
    "LPC": {"adresse": "https://lpc.ac-exemple.fr/livret", "audience": "tous", "types_etablissement": ["college"],
            "ordinateur_seulement": "y"},
    "Cahier de textes": {"adresse": "https://cdt.ac-exemple.fr/", "audience": "responsables",
                         "types_etablissement": ["college", "lycee"]},
}


def _menu_links(html: str) -> dict[str, str]:
    """{name: the <a> tag} of the académie links in a page's child menu."""
    found = {}
    for item in re.findall(r'<li class="fr-sidemenu__item lien-academique".*?</li>', html, flags=re.S):
        tag = re.search(r"<a [^>]*>", item, flags=re.S).group(0)
        found[text_of(item).split(" (ouvre")[0]] = {"a": tag, "text": text_of(item)}
    return found


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("liens"), SERVICES)
    p.start(["accounts", "mailer"])
    rpc = p.rpc()
    college, lycee = (f"{uuid.uuid4().int % 10**7:07d}{letter}" for letter in "CL")
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=college, nom="COLLÈGE A"))
    payload = family_payload(uai=lycee, nom="LYCÉE B", type_="lycee")
    for person in payload["eleves"] + payload["personnes"]:
        person["prenom"] += "-B"
    rpc.call("accounts", "import_siecle", payload=payload)
    letters = {**letters_by_name(rpc.call("accounts", "issue_letters", uai=college)),
               **letters_by_name(rpc.call("accounts", "issue_letters", uai=lycee))}
    staff = {uai: rpc.call("accounts", "create_staff_account", payload={
        "role": "staff", "etablissement_uai": uai, "fonction": "direction", "nom": "PROVISEUR", "prenom": "Anne"})
        for uai in (college, lycee)}
    operator = rpc.call("accounts", "create_staff_account", payload={
        "role": "operator", "nom": "RECTORAT", "prenom": "Olivier"})
    rpc.close()
    yield {"platform": p, "college": college, "lycee": lycee, "letters": letters, "staff": staff,
           "operator": operator}
    p.stop()


def _staff_user(site, created) -> WebUser:
    user = WebUser(site["platform"].base_url)
    user.login(created["identifiant"], created["password"])
    page = user.post_form("/premiere-connexion", {"new_password": PASSWORD, "new_password_confirm": PASSWORD})
    assert "Première connexion" not in text_of(page.text), text_of(page.text)[:300]
    return user


@pytest.fixture(scope="module")
def declared(site):
    """The operator declares the three links through the form, after an http
    address was refused beside its field; each head opens every link offered."""
    operator = _staff_user(site, site["operator"])
    refused = operator.post_form("/admin/liens/", {"nom": "Pix", "adresse": "http://app.pix.example.fr/",
                                                   "audience": "eleves", "types_etablissement": ["college"]})
    assert refused.status_code == 200
    assert "Seules les adresses en https sont acceptées" in text_of(refused.text)
    assert "Aucun service académique déclaré" in text_of(refused.text)
    for nom, fields in LIENS.items():
        page = operator.post_form("/admin/liens/", {"nom": nom, "description": f"Le service {nom}.", **fields})
        assert f"Le service « {nom} » est déclaré" in text_of(page.text), text_of(page.text)[:400]
    for uai in (site["college"], site["lycee"]):
        head = _staff_user(site, site["staff"][uai])
        admin_page = f"/admin/etablissement/{uai}/"
        offered = re.findall(r'href="(/admin/etablissement/\w+/lien/(\d+)\?[^"]*)"', head.get(admin_page).text)
        assert offered, "no académie link offered"
        for step, lien_id in offered:
            # Each through its confirmation step, which says what will happen.
            step = unescape(step)
            assert "sera affiché dans le menu" in text_of(head.get(step).text)
            page = press(head, step, f"/admin/etablissement/{uai}/lien/{lien_id}",
                         {"ouvert": "1", "annee": re.search(r'name="annee" value="(\d+)"', head.get(step).text).group(1)})
            assert "Le lien est affiché dans le menu des familles concernées" in text_of(page.text)
        # The LPC is for collèges only: the lycée is not offered it.
        assert ("LPC" in text_of(head.get(admin_page).text)) == (uai == site["college"])
    return True


def _home(user: WebUser) -> str:
    return user.get("/").text


def test_each_viewer_sees_exactly_the_links_meant_for_them(site, declared):
    p, letters = site["platform"], site["letters"]
    student, _ = first_connection(p, letters["Hugo MARTIN"], "2012-04-04", PASSWORD)
    guardian = confirmed_guardian(p, letters["Philippe MARTIN"], "2012-04-04", "p.martin@example.org", PASSWORD)
    lycee_student, _ = first_connection(p, letters["Hugo-B MARTIN"], "2012-04-04", PASSWORD)
    assert sorted(_menu_links(_home(student))) == ["LPC", "Pix"]
    assert sorted(_menu_links(_home(guardian))) == ["Cahier de textes", "LPC"]
    assert sorted(_menu_links(_home(lycee_student))) == ["Pix"]

    links = _menu_links(_home(student))
    for lien in links.values():
        assert 'target="_blank"' in lien["a"]
        assert 'rel="noopener noreferrer"' in lien["a"]
        assert "(ouvre un nouvel onglet)" in lien["text"]
    assert 'href="https://lpc.ac-exemple.fr/livret"' in links["LPC"]["a"]
    assert "lpc.ac-exemple.fr – accessible depuis un ordinateur" in links["LPC"]["text"]
    assert "app.pix.example.fr" in links["Pix"]["text"]
    assert "ordinateur" not in links["Pix"]["text"]


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_link_opens_a_new_tab_without_access_to_the_services_page(site, declared, browser, device):
    p = site["platform"]
    letter = site["letters"]["Zoé DURAND"] if device == "pc" else site["letters"]["Zoé-B DURAND"]
    first_connection(p, letter, "2013-06-30", PASSWORD)
    context = browser.new_context(base_url=p.base_url, locale="fr-FR", **DEVICES[device])
    # The académie's sites are outside this machine: answered here.
    context.route("https://app.pix.example.fr/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Pix</title><p>Pix</p>"))
    page = context.new_page()
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("La scolarité d")
    if device == "phone":
        page.get_by_role("button", name=re.compile("Menu de")).click()
    link = page.get_by_role("link", name=re.compile(r"^Pix"))
    expect(link).to_have_accessible_name(re.compile(r"Pix \(ouvre un nouvel onglet\)"))
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == "https://app.pix.example.fr/"
    assert tab.evaluate("window.opener") is None
    assert page.url.startswith(p.base_url)
    checked(page, f"liens-menu-{device}")
    context.close()
