"""The pages that matter, in a real browser (Debian's Chromium through
Playwright): the first connection and the home page, on a PC and on a
smartphone, checked for accessibility with axe-core."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PC, PHONE, fill_birth_date, serious_violations
from tests.e2e.accounts_support import link_in, wait_for_mail
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def letters(platform):
    uai = f"{uuid.uuid4().int % 10**7:07d}C"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
    out = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.close()
    return out


@pytest.mark.parametrize("device", ["pc", "smartphone"])
def test_guardian_first_connection_and_home_page(platform, browser, letters, device):
    letter = letters["Philippe MARTIN"] if device == "pc" else letters["Claire MARTIN"]
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **(PC if device == "pc" else PHONE))
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion"))
    assert serious_violations(page) == []
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(letter["password"])
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Première connexion")).to_be_visible()
    assert serious_violations(page) == []

    fill_birth_date(page, "2012-04-04")
    page.get_by_label("Nouveau mot de passe").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#new_password-erreurs")).to_have_text("Le mot de passe doit comporter de 8 à 14 caractères.")

    fill_birth_date(page, "2012-04-04")
    page.get_by_label("Nouveau mot de passe").fill("soleil2026")
    page.get_by_label("Confirmation du mot de passe").fill("soleil2026")
    email = f"{letter['identifiant']}@example.org"
    page.get_by_label("Votre adresse électronique", exact=False).first.fill(email)
    page.get_by_label("Confirmation de votre adresse électronique").fill(email)
    page.get_by_role("button", name="Valider").click()

    # The guardian follows the mailed link, then logs in (guide § 2.2.1).
    link = link_in(wait_for_mail(platform, email), "/confirmation/")
    page.goto(link)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Accéder aux services").click()
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill("soleil2026")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"La scolarité (de |d')"))
    assert serious_violations(page) == []
    menu_button = page.get_by_role("button", name=re.compile("^Menu (de |d')"))
    menu_link = page.locator("#menu-eleve-liste").get_by_role("link", name="Mon compte")
    if device == "smartphone":
        # On a smartphone the child's menu folds behind a button (guide § 2.6).
        expect(menu_button).to_be_visible()
        expect(menu_link).to_be_hidden()
        menu_button.click()
        expect(menu_link).to_be_visible()
    else:
        expect(menu_link).to_be_visible()
    # Switching child keeps the page working.
    page.get_by_role("link", name="Léa MARTIN").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Léa MARTIN")
    context.close()
