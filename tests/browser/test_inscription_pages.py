"""The lycée enrollment in a real browser (Debian's Chromium through
Playwright), on a PC (1280×800) and a phone (375×812, mobile user agent),
checked with axe-core at each step (every page saved under
var/screenshots/): a guardian connects for the first time, reads step 1 as
the guide shows it, enrolls, chooses the wishes, makes a mistake in the
address and reads the fiche's message beside the field, corrects it, finishes
and downloads the receipt, a PDF with the child's name (read with pypdf); the
collège's head then reads the enrollment's state in the collège's list."""
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
from tests.e2e.test_inscription import OFFRE, RENTREE, affectation, payload
from tests.fixtures import Platform
from tests.helpers import letters_by_name

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "fiche": {"label": "Fiche de renseignements", "order": 50},
            "inscription": {"label": "Inscription au lycée", "order": 70}}
DAY = datetime(2027, 6, 26, 19, 8, tzinfo=PARIS)


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("inscription-browser"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(DAY)
    rpc = p.rpc()
    rpc.call("inscription", "save_campagne", account_id=None, form={
        "annee_scolaire": RENTREE, "ouverture": "25/06/2027 14:30", "cloture": "28/06/2027 23:59"})
    rpc.close()
    yield p
    p.stop()


def _family(site):
    uai, lycee = f"{uuid.uuid4().int % 10**7:07d}B", f"{uuid.uuid4().int % 10**7:07d}L"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload(uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        hugo = next(e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai) if e["prenom"] == "Hugo")
        rpc.call("inscription", "import_affectations", annee_scolaire=RENTREE,
                 lignes=[affectation(uai, lycee, 1, "MARTIN", "Hugo")])
        rpc.call("inscription", "import_offres", offres=[{**OFFRE, "lycee_uai": lycee}])
        rpc.call("inscription", "set_message_lycee", uai=lycee, account_id=None,
                 message="Bienvenue au lycée Marguerite de Flandre !")
        head = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "direction", "nom": "PRINCIPAL", "prenom": "Marc"})
        return letters, uai, hugo, head
    finally:
        rpc.close()


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_guardian_enrolls_the_child_step_by_step(site, browser, device):
    letters, uai, eleve_id, head = _family(site)
    letter, email = letters["Claire MARTIN"], f"claire.{uai.lower()}@example.org"
    context = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    activate_guardian(page, site, letter, "2012-04-04", email, name=f"inscription-{{}}-{device}")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("La scolarité d'Hugo MARTIN")
    checked(page, f"inscription-accueil-{device}")

    page.goto(f"/eleve/{eleve_id}/inscription/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("L'inscription pour la rentrée 2027 – Étape 1/4")
    expect(page.locator(".message-lycee")).to_contain_text("Bienvenue au lycée Marguerite de Flandre !")
    expect(page.locator(".temps-restant")).to_contain_text("2 jours et 4 heures")
    checked(page, f"inscription-etape-1-{device}")
    page.get_by_role("button", name="J'inscris mon enfant dans cet établissement").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Étape 2/4")
    page.get_by_label("Langue vivante A").select_option("AGL1")
    page.get_by_label("Langue vivante B").select_option("ESP2")
    page.get_by_text("Latin", exact=True).click()
    expect(page.get_by_label("Latin")).to_be_checked()
    checked(page, f"inscription-etape-2-{device}")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Étape 3/4")
    page.get_by_label("Ligne 1").fill("1 RUE DU MOULIN")
    page.get_by_label("Code postal (France)").fill("59580")
    page.get_by_label("Commune").fill("Lille")
    page.get_by_label("Votre téléphone portable").fill("06 12 34 56 78")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator("#responsable_adresse_commune-erreurs")).to_contain_text(
        "Cette commune ne correspond pas au code postal 59580")
    expect(page.get_by_label("Votre téléphone portable")).to_have_value("06 12 34 56 78")
    checked(page, f"inscription-etape-3-erreur-{device}")
    page.get_by_label("Commune").fill("Emerchicourt")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Étape 4/4")
    expect(page.locator(".recapitulatif")).to_contain_text("Langue vivante A\u00a0: Anglais")
    expect(page.locator(".recapitulatif")).to_contain_text("+33612345678")
    checked(page, f"inscription-etape-4-{device}")
    page.get_by_role("button", name="Terminer l'inscription").click()
    expect(page.locator(".termine")).to_contain_text("L'inscription est terminée depuis le 26/06/2027")
    receipt = page.get_by_role("link", name="Télécharger l'accusé de réception (PDF)")
    expect(receipt).to_be_visible()
    checked(page, f"inscription-terminee-{device}")
    if device == "phone":
        # Nothing wider than the screen: the page scrolls only down.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name=re.compile("^Menu d(e |')"))).to_be_visible()
    with page.expect_download() as downloaded:
        receipt.click()
    with open(downloaded.value.path(), "rb") as pdf:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages).split())
    assert "Hugo MARTIN" in text, text[:500]
    context.close()

    # The collège's head, on the same kind of device, sees the state of the enrollment in the lycée.
    office = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(office, head, name=f"inscription-college-premiere-connexion-{device}")
    office.goto(f"/admin/etablissement/{uai}/inscription/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Inscription au lycée")
    students = office.get_by_role("table", name="1 élève affecté")
    expect(students.get_by_role("columnheader", name="Lycée d'affectation")).to_be_visible()
    hugo = students.get_by_role("row", name=re.compile("Hugo MARTIN"))
    expect(hugo).to_contain_text("LYCÉE MARGUERITE DE FLANDRE")
    expect(hugo).to_contain_text("Inscription terminée")
    expect(office.locator(".compteurs")).to_contain_text(re.compile(r"Inscription terminée\s:\s1"))
    checked(office, f"inscription-college-{device}")
    office.context.close()
