"""The LSL journey in a real browser (Debian's Chromium through Playwright),
on a PC (1280×800) and a phone (375×812, mobile user agent), every page
checked with axe-core and saved under var/screenshots/: a student reads the
livret's five screens (the home's tiles of the parts with data, the subject
cards' tabs, the commitments, the school history, the exam opinion's table),
the request page says who may ask; the head publishes the final livrets on
the staff page and the student downloads theirs, a PDF with their name. A
guardian asks for a rectification, forgetting what is wrong once; the head
accepts it with an answer, forgetting to choose once; the guardian reads the
decision on the livret's page and in a mail."""
import io
import re
import uuid

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DEVICES, checked, fill_birth_date
from tests.browser.test_familles_pages import activate_guardian, activate_staff, log_in
from tests.e2e.test_lsl import _record, wait_for_mail
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


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_guardian_asks_a_rectification_and_reads_the_head_s_decision(platform, browser, device):
    lycee = new_lycee(platform)
    letter = lycee["letters"]["Philippe-W MARTIN"]
    email = f"{letter['identifiant']}@example.org"
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    activate_guardian(page, platform, letter, "2012-04-04", email)

    # Hugo's livret, from his father's home page.
    page.goto("/")
    hugo = page.get_by_role("link", name=re.compile("Hugo MARTIN"))
    if hugo.count():
        hugo.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La scolarité d'Hugo MARTIN")
    home = re.search(r"^.*/eleve/\d+", page.url).group(0)
    page.goto(home + "/lsl/")
    page.get_by_role("link", name="Demander une rectification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander une rectification")
    page.get_by_label("Partie du livret concernée").select_option(label="Enseignements")
    page.get_by_label("Commentaire (facultatif)").fill("Merci de vérifier.")
    page.get_by_role("button", name=re.compile("^Envoyer")).click()
    expect(page.get_by_label("Ce qui est inexact")).to_have_attribute("aria-invalid", "true")
    # Beside the field, and in the summary at the top, a link to it.
    expect(page.get_by_text("Ce champ est obligatoire.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Ce qui est inexact : Ce champ est obligatoire.")).to_be_visible()
    expect(page.get_by_label("Commentaire (facultatif)")).to_have_value("Merci de vérifier.")
    checked(page, f"lsl-demande-erreur-{device}")
    page.get_by_label("Ce qui est inexact").fill("La moyenne de mathématiques est fausse.")
    page.get_by_role("button", name=re.compile("^Envoyer")).click()
    expect(page.get_by_text("Votre demande est enregistrée et transmise au chef d'établissement.")).to_be_visible()
    requests = page.get_by_role("table", name="Demandes et leur état")
    expect(requests).to_contain_text("Rectification : Enseignements")
    expect(requests).to_contain_text("en attente")
    checked(page, f"lsl-demande-envoyee-{device}")

    # The head, on the same kind of device.
    office = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(office, lycee["head"])
    office.goto(f"/admin/etablissement/{lycee['uai']}/lsl")
    card = office.locator(".demande").filter(has_text="Hugo MARTIN – Rectification : Enseignements")
    expect(card).to_contain_text("La moyenne de mathématiques est fausse.")
    card.get_by_label("Réponse à la famille (facultative)").fill("Corrigée dans le module LSL.")
    card.get_by_role("button", name="Enregistrer la décision").click()
    expect(office.get_by_text("Choisissez d'accepter ou de refuser la demande.").first).to_be_visible()
    checked(office, f"lsl-admin-decision-erreur-{device}")
    card = office.locator(".demande").filter(has_text="Hugo MARTIN – Rectification : Enseignements")
    # A person clicks the label: the DSFR draws the radio button over the input.
    card.get_by_text("Accepter", exact=True).click()
    expect(card.get_by_label("Accepter", exact=True)).to_be_checked()
    card.get_by_label("Réponse à la famille (facultative)").fill("Corrigée dans le module LSL.")
    card.get_by_role("button", name="Enregistrer la décision").click()
    expect(office.get_by_text("La décision est enregistrée ; la famille en est informée par courriel")).to_be_visible()
    office.get_by_role("link", name="Acceptées").click()
    expect(office.locator(".demande").filter(has_text="Hugo MARTIN")).to_contain_text("acceptée le")
    checked(office, f"lsl-admin-decision-{device}")
    office.context.close()

    # The father reads it on the livret's page and in his mail.
    page.goto(home + "/lsl/")
    requests = page.get_by_role("table", name="Demandes et leur état")
    expect(requests).to_contain_text("acceptée le")
    expect(requests).to_contain_text("Corrigée dans le module LSL.")
    checked(page, f"lsl-demande-acceptee-{device}")
    mail = wait_for_mail(platform, email, "demande acceptée")[0]
    assert "Corrigée dans le module LSL." in mail["text"]
    context.close()
