"""The bourses journey in a real browser (Debian's Chromium through
Playwright), on a PC (1280×800) and a phone (375×812, mobile user agent),
every page checked with axe-core and saved under var/screenshots/: a
guardian keeps a draft, comes back to it, makes a mistake and reads it beside
the field, files, and reads the estimate; the school's secretary, on the same
kind of device, declares the file complete, forgets the échelon once and
grants it; the guardian reads the decision and downloads its notification, a
PDF with the child's name (read with pypdf)."""
import io
import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked
from tests.browser.test_familles_pages import activate_guardian, activate_staff
from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name
from tools.demo_bourses import BAREME_FILE
from tools.import_bourses import read_bareme

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "bourses": {"label": "Bourses", "order": 60}}
DAY = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
RFR = re.compile(r"^Revenu fiscal de référence(?! du second)")


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
        secretary = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "secretariat", "nom": "LEROY", "prenom": "Anne"})
        return letters_by_name(rpc.call("accounts", "issue_letters", uai=uai)), uai, secretary
    finally:
        rpc.close()


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_guardian_files_an_application_and_reads_the_school_s_decision(site, browser, device):
    letters, uai, secretary = _letters(site)
    letter, email = letters["Claire MARTIN"], f"claire.{uai.lower()}@example.org"
    context = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    activate_guardian(page, site, letter, "2012-04-04", email, name=f"bourses-{{}}-{device}")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("La scolarité d'Hugo MARTIN")
    checked(page, f"bourses-accueil-{device}")

    eleve_id = re.search(r"/eleve/(\d+)/", page.url + page.content()).group(1)
    page.goto(f"/eleve/{eleve_id}/bourses/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bourse de collège d")
    checked(page, f"bourses-demande-{device}")

    # A person clicks the label: the DSFR draws the radio button over the input.
    page.get_by_text("Couple marié ou pacsé (un avis d'impôt)").click()
    expect(page.get_by_label("Couple marié ou pacsé")).to_be_checked()
    page.get_by_label("Nombre d'enfants à charge").fill("2")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Votre brouillon est enregistré")).to_be_visible()
    expect(page.get_by_label("Nombre d'enfants à charge")).to_have_value("2")
    checked(page, f"bourses-brouillon-{device}")

    page.get_by_label(RFR).fill("-11928")
    page.get_by_label("Année de l'avis d'impôt").fill("2027")
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.locator("#revenu_fiscal_reference-erreurs")).to_have_text(
        "Le revenu fiscal de référence ne peut pas être négatif.")
    expect(page.get_by_label(RFR)).to_have_attribute("aria-invalid", "true")
    checked(page, f"bourses-erreur-{device}")

    page.get_by_label(RFR).fill("11 928")
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.get_by_role("heading", name="Demande déposée")).to_be_visible()
    expect(page.locator(".estimation")).to_contain_text("Échelon 2, soit 315")
    numero = page.locator(".demande").get_attribute("data-numero")
    checked(page, f"bourses-deposee-{device}")
    if device == "phone":
        # Nothing wider than the screen: the page scrolls only down.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name="Menu d'Hugo")).to_be_visible()

    # The school's secretary, on the same kind of device, examines it.
    office = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(office, secretary, name=f"bourses-admin-premiere-connexion-{device}")
    office.goto(f"/admin/etablissement/{uai}/bourses/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Demandes de bourse")
    row = office.get_by_role("row", name=re.compile(numero))
    expect(row).to_contain_text("Hugo MARTIN")
    expect(row).to_contain_text("échelon 2")
    checked(office, f"bourses-admin-demandes-{device}")
    row.get_by_role("link", name=numero).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Demande n° {numero}")
    checked(office, f"bourses-admin-demande-{device}")
    office.get_by_role("button", name="Déclarer le dossier complet").click()
    expect(office.locator(".statut")).to_have_text("Dossier complet, en cours d'examen")
    checked(office, f"bourses-admin-complet-{device}")
    office.get_by_role("button", name="Accorder la bourse").click()
    expect(office.get_by_label("Échelon accordé")).to_have_attribute("aria-invalid", "true")
    checked(office, f"bourses-admin-erreur-{device}")
    office.get_by_label("Échelon accordé").fill("2")
    office.get_by_role("button", name="Accorder la bourse").click()
    expect(office.get_by_text("La famille en est informée par courriel.")).to_be_visible()
    checked(office, f"bourses-admin-accordee-{device}")
    office.context.close()

    # The guardian reads the decision and downloads its notification.
    page.reload()
    expect(page.locator(".decision")).to_contain_text("échelon 2, 315")
    notification = page.get_by_role("link", name="Notification de décision (PDF)")
    checked(page, f"bourses-decision-{device}")
    with page.expect_download() as downloaded:
        notification.click()
    with open(downloaded.value.path(), "rb") as pdf:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages).split())
    assert "Hugo MARTIN" in text, text[:500]
    context.close()
