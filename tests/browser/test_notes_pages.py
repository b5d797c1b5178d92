"""The notes pages in a real browser (Debian's Chromium through Playwright), on
a PC (1280×800) and a phone (375×812, mobile user agent), every page checked
with axe-core and saved under var/screenshots/: the tiles say in words what
their colour says."""
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked, fill_birth_date
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def letters(platform):
    """Hugo and Zoé, students of a school with notes open and a few grades."""
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
    out = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.call("notes", "import_matieres", uai=uai, rows=[{"code": "MATHS", "libelle": "Mathématiques"},
                                                         {"code": "FRANC", "libelle": "Français"}])
    now = platform.clock.now().astimezone(PARIS)
    entered, day = (now - timedelta(days=2)).strftime("%d/%m/%Y %H:%M"), (now - timedelta(days=3)).strftime("%d/%m/%Y")
    rows = []
    for ref, code, titre, bareme, notes in [("M1", "MATHS", "Fractions", "20", {"101": "15,5", "103": "9"}),
                                            ("M2", "MATHS", "Calcul mental", "10", {"101": "7", "103": "ABS"}),
                                            ("F1", "FRANC", "Dictée", "20", {"101": "12", "103": "16"})]:
        rows += [{"evaluation": ref, "matiere": code, "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
                  "titre": titre, "coefficient": "2", "bareme": bareme, "eleve": eleve, "note": note,
                  "saisie_le": entered} for eleve, note in notes.items()]
    rpc.call("notes", "import_evaluations", uai=uai, rows=rows)
    rpc.close()
    return out


@pytest.mark.parametrize("device", list(DEVICES))
def test_student_reads_subject_tiles_and_a_subject_detail(platform, browser, letters, device):
    letter = letters["Hugo MARTIN"] if device == "pc" else letters["Zoé DURAND"]
    birth = "2012-04-04" if device == "pc" else "2013-06-30"
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **DEVICES[device])
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

    page.goto(page.url.rstrip("/") + "/notes/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Notes (de |d')"))
    # Orange, and said in words: first connection, everything is new.
    expect(page.locator(".tile-new")).to_have_count(2)
    expect(page.locator(".tile-new").first).to_contain_text("nouvelle")
    checked(page, f"notes-tuiles-{device}")

    page.get_by_role("link", name="Mathématiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mathématiques")
    expect(page.get_by_role("table")).to_contain_text("Fractions")
    expect(page.get_by_role("table")).to_contain_text("Moyenne de la classe")
    checked(page, f"notes-matiere-{device}")
    if device == "phone":
        # The child's menu folds behind a button there, as on every page about a child.
        expect(page.get_by_role("button", name=re.compile("^Menu (de |d')"))).to_be_visible()
    context.close()
