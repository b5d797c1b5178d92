"""The bourses journey in a real browser (Debian's Chromium through
Playwright), on a PC and on a 375 px smartphone, checked with axe-core: a
guardian keeps a draft, comes back to it, makes a mistake and reads it beside
the field, files, and reads the estimate."""
import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import PC, PHONE, fill_birth_date, serious_violations
from tests.e2e.test_notes import confirmation_link
from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name
from tools.demo_bourses import BAREME_FILE
from tools.import_bourses import read_bareme

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "bourses": {"label": "Bourses", "order": 60}}
DAY = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
RFR = re.compile(r"^Revenu fiscal de référence(?! du second)")
PHONE_375 = {**PHONE, "viewport": {"width": 375, "height": 812}}


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("bourses-browser"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(DAY)
    rpc = p.rpc()
    for (_year, niveau), echelons in read_bareme(BAREME_FILE).items():
        rpc.call("bourses", "load_bareme", annee_scolaire=2027, niveau=niveau, echelons=echelons)
    rpc.call("bourses", "save_campagne", account_id=None, form={
        "annee_scolaire": 2027, "niveau": "college", "ouverture": "01/09/2027", "cloture": "14/10/2027"})
    rpc.close()
    yield p
    p.stop()


def _letters(site):
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        return letters_by_name(rpc.call("accounts", "issue_letters", uai=uai)), uai
    finally:
        rpc.close()


@pytest.mark.parametrize("device", ["pc", "smartphone"])
def test_a_guardian_drafts_corrects_and_files_an_application(site, browser, device):
    letters, uai = _letters(site)
    letter, email = letters["Claire MARTIN"], f"claire.{uai.lower()}@example.org"
    context = browser.new_context(base_url=site.base_url, locale="fr-FR", **(PC if device == "pc" else PHONE_375))
    page = context.new_page()
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(letter["password"])
    page.get_by_role("button", name="Valider").click()
    fill_birth_date(page, "2012-04-04")
    page.get_by_label("Nouveau mot de passe").fill("soleil2026")
    page.get_by_label("Confirmation du mot de passe").fill("soleil2026")
    page.get_by_label(re.compile(r"^Votre adresse électronique")).fill(email)
    page.get_by_label("Confirmation de votre adresse électronique").fill(email)
    page.get_by_role("button", name="Valider").click()
    page.goto(confirmation_link(site, email))
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"La scolarité (de |d')"))

    eleve_id = re.search(r"/eleve/(\d+)/", page.url + page.content()).group(1)
    page.goto(f"/eleve/{eleve_id}/bourses/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bourse de collège d")
    assert serious_violations(page) == []

    # A person clicks the label: the DSFR draws the radio button over the input.
    page.get_by_text("Couple marié ou pacsé (un avis d'impôt)").click()
    expect(page.get_by_label("Couple marié ou pacsé")).to_be_checked()
    page.get_by_label("Nombre d'enfants à charge").fill("2")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Votre brouillon est enregistré")).to_be_visible()
    expect(page.get_by_label("Nombre d'enfants à charge")).to_have_value("2")

    page.get_by_label(RFR).fill("-11928")
    page.get_by_label("Année de l'avis d'impôt").fill("2027")
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.locator("#revenu_fiscal_reference-erreurs")).to_have_text(
        "Le revenu fiscal de référence ne peut pas être négatif.")
    expect(page.get_by_label(RFR)).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []

    page.get_by_label(RFR).fill("11 928")
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.get_by_role("heading", name="Demande déposée")).to_be_visible()
    expect(page.locator(".estimation")).to_contain_text("Échelon 2, soit 315")
    assert serious_violations(page) == []
    if device == "smartphone":
        # Nothing wider than the screen: the page scrolls only down.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name=re.compile("^Menu (de |d')"))).to_be_visible()
    context.close()
