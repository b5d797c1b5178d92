"""Issue 2's "done when", as a family would do it in a browser without JavaScript."""
import re
import uuid

import pytest

from common.typography import de
from tests.e2e.accounts_support import follow, link_in, wait_for_mail
from tests.helpers import WebUser, family_payload, letters_by_name, text_of


def child_menus(user, home_html: str) -> dict:
    """{child's name: (eleve_id, menu title, [(label, link)])}, each read on
    that child's own page, reached through the child switcher."""
    switcher = home_html.split('class="child-switcher"', 1)[1].split("</ul>", 1)[0]
    menus = {}
    for eleve_id, name in re.findall(r'href="/eleve/(\d+)/"[^>]*>([^<]+)</a>', switcher):
        page = user.get(f"/eleve/{eleve_id}/")
        assert page.status_code == 200
        nav = page.text.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
        title = text_of(re.search(r'<button class="fr-sidemenu__btn"[^>]*>(.*?)</button>', nav, re.S).group(1))
        links = [(text_of(label), href) for href, label in
                 re.findall(r'<a class="fr-sidemenu__link" href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)]
        menus[text_of(name)] = (int(eleve_id), title, links)
    return menus


def confirm_address(platform, user, address, before):
    """Follow, in this browser, the confirmation link of the first mail to
    `address` after the `before` it had already received."""
    follow(user, link_in(wait_for_mail(platform, address, before + 1), "/confirmation/"))


@pytest.fixture(scope="module")
def family(platform):
    """An establishment of its own per module, so modules do not share accounts."""
    uai = f"{uuid.uuid4().int % 10**7:07d}A"
    rpc = platform.rpc()
    report = rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.close()
    return {"uai": uai, "report": report, "letters": letters}


def test_guardian_changes_provisional_password_then_sees_one_menu_per_child(platform, family):
    letter = family["letters"]["Philippe MARTIN"]
    user = WebUser(platform.base_url)
    page = user.login(letter["identifiant"], letter["password"])
    assert page.url.endswith("/premiere-connexion")
    assert "Première connexion" in text_of(page.text)
    before = len(platform.mailbox(to="philippe.martin@example.org"))

    # Nothing else is reachable before the password is changed.
    assert user.get("/").url.endswith("/premiere-connexion")

    page = user.post_form("/premiere-connexion", {
        "date_naissance": "2014-01-02", "new_password": "soleil2026", "new_password_confirm": "soleil2026",
        "email": "philippe.martin@example.org", "email_confirm": "philippe.martin@example.org",
    })
    # A guardian confirms the address through the mailed link before reaching the services (guide § 2.2.1).
    assert "Un courriel contenant un lien de confirmation a été envoyé" in text_of(page.text)
    confirm_address(platform, user, "philippe.martin@example.org", before)
    page = user.get("/")
    text = text_of(page.text)
    assert "La scolarité d" in text
    assert "Hugo MARTIN" in text and "Léa MARTIN" in text  # the child switcher
    assert "Zoé" not in text
    # One menu per child: each child's page has its own menu, whose links stay on that child.
    menus = child_menus(user, page.text)
    assert sorted(menus) == ["Hugo MARTIN", "Léa MARTIN"]
    for name, (eleve_id, title, links) in menus.items():
        assert title == f"Menu {de(name.split()[0])}"
        assert links == [("Accueil", f"/eleve/{eleve_id}/"), ("Mon compte", "/compte")]

    # The provisional password no longer opens the account; the new one does.
    other = WebUser(platform.base_url)
    assert "Identifiant ou mot de passe incorrect" in text_of(other.login(letter["identifiant"], letter["password"]).text)
    assert "La scolarité d" in text_of(other.login(letter["identifiant"], "soleil2026").text)


def test_each_child_has_its_own_page_and_menu(platform, family):
    letter = family["letters"]["Claire MARTIN"]
    user = WebUser(platform.base_url)
    user.login(letter["identifiant"], letter["password"])
    before = len(platform.mailbox(to="claire@example.org"))
    user.post_form("/premiere-connexion", {
        "date_naissance": "2012-04-04", "new_password": "lune2026ab", "new_password_confirm": "lune2026ab",
        "email": "claire@example.org", "email_confirm": "claire@example.org",
    })
    confirm_address(platform, user, "claire@example.org", before)
    menus = child_menus(user, user.get("/").text)
    assert sorted(menus) == ["Hugo MARTIN", "Léa MARTIN"]
    assert menus["Hugo MARTIN"][0] != menus["Léa MARTIN"][0]
    for name, (eleve_id, title, links) in menus.items():
        page = user.get(f"/eleve/{eleve_id}/")
        assert f"La scolarité {de(name)}" in text_of(page.text)  # d'Hugo, de Léa
        assert title == f"Menu {de(name.split()[0])}" and ("Mon compte", "/compte") in links


def test_student_sees_only_themself(platform, family):
    letter = family["letters"]["Zoé DURAND"]
    user = WebUser(platform.base_url)
    user.login(letter["identifiant"], letter["password"])
    # A student checks their own birth date; a wrong one changes nothing.
    page = user.post_form("/premiere-connexion", {
        "date_naissance": "2013-06-29", "new_password": "etoile2026", "new_password_confirm": "etoile2026"})
    assert "La date de naissance ne correspond pas à celle de l'élève." in text_of(page.text)
    page = user.post_form("/premiere-connexion", {
        "date_naissance": "30/06/2013", "new_password": "etoile2026", "new_password_confirm": "etoile2026"})
    text = text_of(page.text)
    assert "La scolarité de Zoé DURAND" in text
    assert "MARTIN" not in text
    # Another child's page answers like a page that does not exist.
    own = int(re.search(r'/eleve/(\d+)/', page.text).group(1))
    other = user.get(f"/eleve/{own + 1}/")
    assert other.status_code == 404
    assert "Page introuvable" in text_of(other.text)


def test_wrong_identifier_or_password_gives_one_message(platform, family):
    letter = family["letters"]["Paul DURAND"]
    user = WebUser(platform.base_url)
    wrong_password = text_of(user.login(letter["identifiant"], "pas-le-bon-1").text)
    wrong_identifier = text_of(user.login("personne.inconnue9", letter["password"]).text)
    message = "Identifiant ou mot de passe incorrect."
    assert message in wrong_password and message in wrong_identifier


@pytest.mark.parametrize("form, field_message", [
    ({"date_naissance": "31/02/2013"}, "Date invalide"),
    ({"new_password": "court1", "new_password_confirm": "court1"}, "de 8 à 14 caractères"),
    ({"new_password": "sanschiffres", "new_password_confirm": "sanschiffres"}, "au moins une lettre et au moins un chiffre"),
    ({"new_password": "12345678901", "new_password_confirm": "12345678901"}, "au moins une lettre et au moins un chiffre"),
    ({"new_password_confirm": "autre2026x"}, "Les deux mots de passe ne sont pas identiques."),
    ({"email": ""}, "L'adresse électronique est obligatoire pour un responsable."),
    ({"email": "pas une adresse", "email_confirm": "pas une adresse"}, "Adresse électronique invalide"),
    ({"email_confirm": "autre@example.org"}, "Les deux adresses ne sont pas identiques."),
    ({"new_password": "x" * 300, "new_password_confirm": "x" * 300}, "caractères"),
])
def test_malformed_first_connection_rerenders_in_french_and_changes_nothing(platform, family, form, field_message):
    letter = family["letters"]["Paul DURAND"]
    user = WebUser(platform.base_url)
    user.login(letter["identifiant"], letter["password"])
    good = {"date_naissance": "2013-06-30", "new_password": "valide2026", "new_password_confirm": "valide2026",
            "email": "paul@example.org", "email_confirm": "paul@example.org"}
    page = user.post_form("/premiere-connexion", {**good, **form})
    assert page.status_code == 200
    assert page.url.endswith("/premiere-connexion")
    assert field_message in text_of(page.text)
    # Nothing changed: the provisional password still opens the first connection.
    again = WebUser(platform.base_url).login(letter["identifiant"], letter["password"])
    assert again.url.endswith("/premiere-connexion")


def test_unknown_url_gets_a_french_404(platform):
    page = WebUser(platform.base_url).get("/nulle-part")
    assert page.status_code == 404
    assert "Page introuvable" in text_of(page.text)
    assert "Traceback" not in page.text


def test_form_without_csrf_token_is_refused(platform, family):
    import requests

    page = requests.post(platform.base_url + "/connexion", data={"identifiant": "x", "mot_de_passe": "y"}, timeout=10)
    assert page.status_code == 400
    assert "Formulaire expiré" in text_of(page.text)


def test_logout_ends_the_session(platform, family):
    letter = family["letters"]["Paul DURAND"]
    user = WebUser(platform.base_url)
    assert user.login(letter["identifiant"], letter["password"]).url.endswith("/premiere-connexion")
    cookie = user.http.cookies.get("scolarite")
    user.logout()
    # Replaying the old cookie does not bring the session back.
    replay = WebUser(platform.base_url)
    replay.http.cookies.set("scolarite", cookie)
    assert replay.get("/").url.split("?")[0].endswith("/connexion")
