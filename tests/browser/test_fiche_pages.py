"""The fiche de renseignements in a real browser (Debian's Chromium through
Playwright), on a PC (1280×800) and a phone (375×812, mobile user agent),
every page checked with axe-core and saved under var/screenshots/: a guardian
edits a phone, reads the French message beside a wrong one, sees the change
pending; the school's secretary, on the same kind of device, accepts it; the
guardian sees it as the record."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICES, checked
from tests.browser.test_familles_pages import log_in
from tests.e2e.accounts_support import confirmed_guardian, first_connection
from tests.e2e.fiche_support import SERVICES, new_establishment
from tests.e2e.test_fiche_service import MONDAY
from tests.fixtures import Platform

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def platform(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("fiche-browser"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(MONDAY)
    yield p
    p.stop()


@pytest.mark.parametrize("device", list(DEVICES))
def test_guardian_edits_school_accepts_guardian_sees(platform, browser, tmp_path, device):
    etab = new_establishment(platform, tmp_path)
    email = f"philippe-{device}@example.org"
    confirmed_guardian(platform, etab["letters"]["Philippe MARTIN"], "2013-04-04", email, password="soleil2026")
    rpc = platform.rpc()
    try:
        staff_letter = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": etab["uai"], "fonction": "secretariat", "nom": "LEROY",
            "prenom": "Anne"})
    finally:
        rpc.close()
    first_connection(platform, staff_letter, None)

    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    log_in(page, etab["letters"]["Philippe MARTIN"]["identifiant"], "soleil2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"La scolarité (de |d')"))
    hugo = re.search(r"/eleve/(\d+)", page.content()).group(1)

    page.goto(f"/eleve/{hugo}/fiche/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiche de renseignements")
    expect(page.locator('[data-champ="regime"]')).to_contain_text("DEMI-PENSIONNAIRE AU TICKET")
    checked(page, f"fiche-{device}")
    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_label("Téléphone portable")).to_be_visible()
    checked(page, f"fiche-modifier-{device}")
    page.get_by_label("Téléphone portable").fill("06 12")
    page.get_by_role("button", name="Envoyer à l'établissement").click()
    expect(page.locator("#tel_portable-erreurs")).to_contain_text("Numéro de téléphone invalide")
    expect(page.get_by_label("Téléphone portable")).to_have_value("06 12")
    checked(page, f"fiche-erreur-{device}")
    page.get_by_label("Téléphone portable").fill("06 98 76 54 32")
    page.get_by_role("button", name="Envoyer à l'établissement").click()
    expect(page.locator('[data-champ="tel_portable"]')).to_contain_text("En attente 06 98 76 54 32")
    checked(page, f"fiche-en-attente-{device}")

    # The school's secretary, on the same kind of device, decides in the administration pages.
    desk = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device])
    office = desk.new_page()
    log_in(office, staff_letter["identifiant"], "soleil2026")
    office.goto(f"/admin/etablissement/{etab['uai']}/fiche")
    expect(office.get_by_role("link", name="MARTIN Hugo")).to_be_visible()
    checked(office, f"fiche-admin-dossiers-{device}")
    office.get_by_role("link", name="MARTIN Hugo").click()
    row = office.locator("#demandes tbody tr")
    expect(row).to_contain_text("06 98 76 54 32")
    checked(office, f"fiche-admin-dossier-{device}")
    row.locator("label", has_text="Accepter").click()
    office.get_by_role("button", name="Enregistrer les décisions").click()
    expect(office.get_by_text("1 modification acceptée")).to_be_visible()
    checked(office, f"fiche-admin-decision-{device}")
    desk.close()

    page.reload()
    field = page.locator('[data-champ="tel_portable"]')
    expect(field).to_have_text(re.compile(r"^\s*Téléphone portable\s*06 98 76 54 32\s*$"))
    expect(page.locator('.fiche-decisions [data-etat="acceptee"]')).to_contain_text("06 98 76 54 32")
    checked(page, f"fiche-acceptee-{device}")
    context.close()
