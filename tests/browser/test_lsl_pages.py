"""The LSL pages in a real browser (Debian's Chromium through Playwright), on a
PC and on a 375 px smartphone, checked for accessibility with axe-core: the
tiles of the parts with data, the subject cards' tabs (average, competences),
the exam opinion's table, a request form with its error beside the field."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PC, PHONE, fill_birth_date, serious_violations
from tests.e2e.test_lsl import _record
from tests.helpers import family_payload, letters_by_name
from tools.lsl_writer import lsl_xml

pytestmark = pytest.mark.browser
PHONE_375 = {**PHONE, "viewport": {"width": 375, "height": 812}}


@pytest.fixture(scope="module")
def letters(platform):
    """Hugo and Zoé, students of a lycée with the LSL open and their livrets replicated."""
    uai = f"{uuid.uuid4().int % 10**7:07d}W"
    payload = family_payload(uai=uai, nom="LYCÉE DU NAVIGATEUR", type_="lycee")
    for person in payload["personnes"]:
        person["prenom"] += "-W"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=payload)
    out = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.call("lsl", "replicate", uai=uai, xml=lsl_xml(_record(uai, ["101", "103"], avis={"101": "T", "103": "F"}))
             .decode())
    rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.close()
    return out


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("device", ["pc", "smartphone"])
def test_student_reads_the_livret_and_opens_a_request_form(platform, browser, letters, device):
    letter = letters["Hugo MARTIN"] if device == "pc" else letters["Zoé DURAND"]
    birth = "2012-04-04" if device == "pc" else "2013-06-30"
    settings = PC if device == "pc" else PHONE_375
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **settings)
    page = context.new_page()
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(letter["password"])
    page.get_by_role("button", name="Valider").click()
    fill_birth_date(page, birth)
    page.get_by_label("Nouveau mot de passe").fill("soleil2026")
    page.get_by_label("Confirmation du mot de passe").fill("soleil2026")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"La scolarité (de |d')"))

    page.goto(page.url.rstrip("/") + "/lsl/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Livret scolaire du lycée (de |d')"))
    expect(page.locator("[data-partie]")).to_have_count(4)
    assert serious_violations(page) == []
    if device == "smartphone":
        no_sideways_scroll(page, 375)

    page.get_by_role("link", name="Enseignements").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enseignements")
    card = page.locator(".matiere").first
    expect(card).to_contain_text("Mathématiques")
    expect(card.locator(".moyenne-eleve")).to_have_text("13,00")
    # The competences tab, as a person clicks it.
    card.get_by_role("tab", name="Compétences").click()
    competences = card.get_by_role("tabpanel", name="Compétences")
    expect(competences).to_be_visible()
    expect(competences).to_contain_text("Compétences maîtrisées")
    assert serious_violations(page) == []
    if device == "smartphone":
        no_sideways_scroll(page, 375)

    page.goto(page.url.replace("/enseignements", "/avis-examen"))
    expect(page.locator("#repartition")).to_contain_text("Effectif de la série")
    assert serious_violations(page) == []

    # A minor student does not ask: their guardians do, and the page says so.
    page.goto(page.url.replace("/avis-examen", "/demande/rectification"))
    expect(page.locator("#qui-demande")).to_contain_text("ses responsables légaux")
    assert serious_violations(page) == []
    if device == "smartphone":
        expect(page.get_by_role("button", name=re.compile("^Menu (de |d')"))).to_be_visible()
    context.close()
