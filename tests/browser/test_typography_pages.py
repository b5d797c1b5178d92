"""French typography as a family reads it, in Chromium on a PC and on a
smartphone, with axe on every page: "La scolarité d'Hugo", "Né le" / "Née
le", no plain space before « : ; ? ! », the tiles' "3 nouvelles notes –
moyenne" on one spaced line, no brackets within brackets, "19 h 08"; and the
pages link one compressed stylesheet."""
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import PC, PHONE, fill_birth_date, serious_violations
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser

VOWEL_AFTER_DE = re.compile(r"\b[Dd]e [AEIOUYÉÈÊÎÏÔŒHaeiouéèêîïôœh]")
PLAIN_SPACE_BEFORE_MARK = re.compile(r" [:;?!»]|« ")


@pytest.fixture(scope="module")
def letters(platform):
    """Hugo (born a boy) and Zoé (a girl) in a school with notes open, a few grades each."""
    uai = f"{uuid.uuid4().int % 10**7:07d}T"
    payload = family_payload(uai=uai)
    for eleve in payload["eleves"]:
        eleve["sexe"] = {"Hugo": "1", "Zoé": "2"}.get(eleve["prenom"])
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=payload)
    out = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.call("notes", "import_matieres", uai=uai, rows=[{"code": "MATHS", "libelle": "Mathématiques"}])
    now = platform.clock.now().astimezone(PARIS)
    entered, day = (now - timedelta(days=2)).strftime("%d/%m/%Y %H:%M"), (now - timedelta(days=3)).strftime("%d/%m/%Y")
    rows = []
    for ref, titre, notes in [("M1", "Fractions", {"101": "15", "103": "9"}), ("M2", "Calcul", {"101": "ABS", "103": "12"}),
                              ("M3", "Géométrie", {"101": "13", "103": "ABS"})]:
        rows += [{"evaluation": ref, "matiere": "MATHS", "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
                  "titre": titre, "coefficient": "1", "bareme": "20", "eleve": eleve, "note": note,
                  "saisie_le": entered} for eleve, note in notes.items()]
    rpc.call("notes", "import_evaluations", uai=uai, rows=rows)
    rpc.close()
    return out


def _text(page) -> str:
    return page.locator("body").inner_text()


def _check_page(page) -> None:
    text = _text(page)
    assert not PLAIN_SPACE_BEFORE_MARK.search(text), PLAIN_SPACE_BEFORE_MARK.search(text).group(0)
    assert not VOWEL_AFTER_DE.search(text), VOWEL_AFTER_DE.search(text).group(0)
    assert serious_violations(page) == []


def _log_in(page, letter, birth=None):
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(letter.get("new_password") or letter["password"])
    page.get_by_role("button", name="Valider").click()
    if birth:
        fill_birth_date(page, birth)
        page.get_by_label("Nouveau mot de passe").fill("soleil2026")
        page.get_by_label("Confirmation du mot de passe").fill("soleil2026")
        page.get_by_role("button", name="Valider").click()
        letter["new_password"] = "soleil2026"


@pytest.mark.parametrize("device, name, birth, born, de_name", [
    ("pc", "Hugo MARTIN", "2012-04-04", "Né le 04/04/2012", "d'Hugo"),
    ("smartphone", "Zoé DURAND", "2013-06-30", "Née le 30/06/2013", "de Zoé"),
])
def test_a_student_reads_their_pages_in_french_typography(platform, browser, letters, device, name, birth, born,
                                                          de_name):
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **(PC if device == "pc" else PHONE))
    page = context.new_page()
    _log_in(page, letters[name], birth)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"La scolarité {de_name}")
    assert born in _text(page).replace("\u00a0", " ")
    _check_page(page)
    home = page.url
    # One stylesheet, compressed, cached for good (gateway/assets.py).
    css = page.locator('link[rel="stylesheet"]')
    expect(css).to_have_count(1)
    response = page.request.get(css.get_attribute("href"), headers={"Accept-Encoding": "br"})
    assert response.headers["content-encoding"] == "br" and "immutable" in response.headers["cache-control"]

    page.goto(home.rstrip("/") + "/notes/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Notes {de_name}")
    detail = page.locator(".fr-tile__detail").first.inner_text()
    assert re.fullmatch(r"\d+ nouvelles? notes?\u00a0– moyenne \d+(,\d+)?/20", detail), detail
    _check_page(page)

    page.get_by_role("link", name="Mathématiques").click()
    average = page.locator(".subject-average").inner_text()
    assert "non comptées" in average and average.count("(") == 1 and average.count(")") == 1, average
    _check_page(page)

    # The next visit says when the previous connection was: "le 30/11/2026 à 19 h 08".
    context.clear_cookies()
    _log_in(page, letters[name])
    page.goto(home.rstrip("/") + "/notes/")
    assert re.search(r"\(le \d\d/\d\d/\d{4} à \d{1,2}\u00a0h\u00a0\d\d\)", _text(page)), _text(page)
    _check_page(page)
    context.close()
