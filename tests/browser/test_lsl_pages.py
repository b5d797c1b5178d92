"""The LSL journey in a real browser (Debian's Chromium through Playwright),
on a PC (1280×800) and a phone (375×812, mobile user agent), every page
checked with axe-core and saved under var/screenshots/: a student reads the
livret's five screens (the home's tiles of the parts with data, the subject
cards' tabs, the commitments, the school history, the exam opinion's table),
the request page says who may ask; the head publishes the final livrets on
the staff page and the student downloads theirs, a PDF with their name."""
import io
import re
import uuid

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DEVICES, checked, fill_birth_date
from tests.browser.test_familles_pages import activate_staff, log_in
from tests.e2e.test_lsl import _record
from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name
from tools.lsl_writer import lsl_xml

pytestmark = pytest.mark.browser
SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "lsl": {"label": "Livret scolaire", "order": 40}}


@pytest.fixture(scope="module")
def platform(vhosts, databases, tmp_path_factory):
    """Its own platform, on SQLite: the livret's storage is tested on both
    backends in services/lsl/tests and tests/e2e/test_lsl.py."""
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("lsl-browser"), SERVICES)
    p.start(SERVICES)
    yield p
    p.stop()


def new_lycee(platform) -> dict:
    """A lycée of its own with the LSL open: Hugo's and Zoé's livrets
    replicated (an exam opinion this year), and its head's account."""
    uai = f"{uuid.uuid4().int % 10**7:07d}W"
    payload = family_payload(uai=uai, nom="LYCÉE DU NAVIGATEUR", type_="lycee")
    for person in payload["personnes"]:
        person["prenom"] += "-W"
    rpc = platform.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload)
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        rpc.call("lsl", "replicate", uai=uai,
                 xml=lsl_xml(_record(uai, ["101", "103"], avis={"101": "T", "103": "F"})).decode())
        rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
        head = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "direction", "nom": "PROVISEUR", "prenom": "Anne"})
    finally:
        rpc.close()
    return {"uai": uai, "letters": letters, "head": head}


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def tile(page, part):
    return page.locator("#tuiles-lsl").get_by_role("link", name=part, exact=True)


def back_to_livret(page):
    """Through the breadcrumb, folded behind its button on a phone."""
    crumbs = page.get_by_role("navigation", name="vous êtes ici :")
    unfold = crumbs.get_by_role("button", name="Voir le fil d'Ariane")
    if unfold.is_visible():
        unfold.click()
    crumbs.get_by_role("link", name="Livret scolaire du lycée").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Livret scolaire du lycée d'Hugo MARTIN")


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_student_reads_the_five_screens_and_downloads_the_final_livret(platform, browser, device):
    lycee = new_lycee(platform)
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    log_in(page, lycee["letters"]["Hugo MARTIN"]["identifiant"], lycee["letters"]["Hugo MARTIN"]["password"],
           name=f"lsl-connexion-{device}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Première connexion")
    checked(page, f"lsl-premiere-connexion-{device}")
    fill_birth_date(page, "2012-04-04")
    page.get_by_label("Nouveau mot de passe").fill("soleil2026")
    page.get_by_label("Confirmation du mot de passe").fill("soleil2026")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La scolarité d'Hugo MARTIN")
    home = page.url.rstrip("/")

    # 1. The livret's home: a tile per part with data, no final livret yet.
    page.goto(home + "/lsl/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Livret scolaire du lycée d'Hugo MARTIN")
    expect(page.locator("[data-partie]")).to_have_count(4)
    expect(page.get_by_role("link", name="Télécharger le livret définitif (PDF)")).to_have_count(0)
    checked(page, f"lsl-accueil-{device}")
    if device == "phone":
        no_sideways_scroll(page)
        expect(page.get_by_role("button", name="Menu d'Hugo")).to_be_visible()

    # 2. Enseignements: a subject's card, its competences tab as a person clicks it.
    tile(page, "Enseignements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enseignements")
    card = page.locator(".matiere").first
    expect(card).to_contain_text("Mathématiques")
    expect(card.locator(".moyenne-eleve")).to_have_text("13,00")
    card.get_by_role("tab", name="Compétences").click()
    competences = card.get_by_role("tabpanel", name="Compétences")
    expect(competences).to_be_visible()
    expect(competences).to_contain_text("Compétences maîtrisées")
    checked(page, f"lsl-enseignements-{device}")
    if device == "phone":
        no_sideways_scroll(page)
    back_to_livret(page)

    # 3. Engagements / investissements.
    tile(page, "Engagements / investissements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagements / investissements")
    expect(page.locator(".engagements").first).to_contain_text("Délégué de classe")
    checked(page, f"lsl-engagements-{device}")
    back_to_livret(page)

    # 4. Scolarité since the 6e.
    tile(page, "Scolarité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scolarité")
    history = page.get_by_role("table", name="Scolarité d'Hugo depuis la 6e")
    expect(history.get_by_role("row", name=re.compile("6EME 2019-2020 COLLÈGE JEAN MOULIN WATTIGNIES"))).to_be_visible()
    checked(page, f"lsl-scolarite-{device}")
    back_to_livret(page)

    # 5. The exam opinion and its distribution in the série.
    tile(page, "Avis examen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avis en vue de l'examen du baccalauréat")
    expect(page.locator("#repartition")).to_contain_text("Effectif de la série")
    checked(page, f"lsl-avis-examen-{device}")

    # A minor student does not ask: their guardians do, and the page says so.
    page.goto(home + "/lsl/demande/rectification")
    expect(page.locator("#qui-demande")).to_contain_text("ses responsables légaux")
    checked(page, f"lsl-demande-{device}")

    # After the results, the head publishes the final livrets on the staff page.
    office = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(office, lycee["head"], name=f"lsl-admin-premiere-connexion-{device}")
    office.goto(f"/admin/etablissement/{lycee['uai']}/lsl")
    expect(office.get_by_role("heading", level=1)).to_have_text("Livret scolaire du lycée")
    checked(office, f"lsl-admin-{device}")
    expect(office.get_by_role("table", name="Les 10 dernières réplications du module LSL")).to_contain_text(
        "2 élève(s) créé(s), 0 modifié(s), 0 inchangé(s)")
    office.get_by_role("button", name="Publier les livrets définitifs").click()
    expect(office.get_by_text("2 livret(s) définitif(s) mis à disposition des familles.")).to_be_visible()
    checked(office, f"lsl-admin-publie-{device}")
    office.context.close()

    # The student downloads theirs from the livret's home.
    page.goto(home + "/lsl/")
    download_link = page.get_by_role("link", name="Télécharger le livret définitif (PDF)")
    expect(download_link).to_be_visible()
    checked(page, f"lsl-livret-definitif-{device}")
    with page.expect_download() as downloaded:
        download_link.click()
    assert downloaded.value.suggested_filename == "livret-scolaire-martin-hugo.pdf"
    reader = PdfReader(io.BytesIO(open(downloaded.value.path(), "rb").read()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Livret scolaire du lycée – version définitive" in text
    assert "Élève : Hugo MARTIN" in text
    context.close()
