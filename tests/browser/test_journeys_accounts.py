"""Issue 21, part 1: the account and notes journeys, whole, in a real browser
(Debian's Chromium through Playwright) on a PC (1280×800) and a phone
(375×812, mobile user agent). Every page visited passes axe-core (no serious
or critical violation) and is saved as var/screenshots/journey-<journey>-<step>-<device>.png.

Mails are read back from the local catcher and their links opened in the
browser, as a family would (guide § 2.2 to 2.7, FAQ). One platform for the
module (accounts, mailer, notes, vie scolaire on SQLite: the rules themselves
are tested on both backends under tests/e2e/), one school per test.

Inventory of what covered these journeys before this file (issue 21):
- guardian's first connection through the mailed link: test_familles_pages.py
  test_2 (pc and phone, checked on the mail-sent page and the home page only),
  test_pages.py (1280×900 and 390×844 without a mobile user agent, axe without
  screenshots); neither goes on to a service's page;
- student's first connection: test_notes_pages.py and test_typography_pages.py
  (old sizes, no screenshots), test_familles_pages.py test_1 and test_4 (a few
  pages checked); the optional address and its link: HTTP only (e2e);
- forgotten password through the mail: HTTP only
  (tests/e2e/test_accounts_lifecycle.py); in a browser only the empty form;
- merging two accounts: test_familles_pages.py test_10 (the form and its
  confirmation, not the children's page before and after, nor the removed
  account's login);
- two children at two schools with two menus: HTTP only (e2e, counting links);
- notes: the first visit's home tile (test_familles_pages.py test_2) and the
  subject page (test_1, test_notes_pages.py), never a grade published since
  the previous connection followed from its home tile to its detail.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked, fill_birth_date
from tests.browser.test_familles_pages import log_in, open_page  # noqa: F401 (open_page is a fixture)
from tests.e2e.accounts_support import (
    confirmed_guardian, first_connection, link_in, merge_accounts, new_establishment, wait_for_mail,
)
from tests.e2e.test_accounts_lifecycle import lycee_payload
from tests.fixtures import Platform

pytestmark = pytest.mark.browser
DEVICE_NAMES = list(DEVICES)
SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "notes": {"label": "Notes", "order": 20}, "vie_scolaire": {"label": "Vie scolaire", "order": 30}}
PASSWORD = "soleil2026"


@pytest.fixture(scope="module")
def platform(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("journeys-accounts"), SERVICES)
    p.start(SERVICES)
    yield p
    p.stop()


def rpc_calls(platform, *calls):
    rpc = platform.rpc()
    try:
        return [rpc.call(service, method, **kwargs) for service, method, kwargs in calls]
    finally:
        rpc.close()


def grade_rows(entered, day, grades):
    """Rows of the notes import: {(evaluation, subject, title, scale): {student: grade}}."""
    return [{"evaluation": ref, "matiere": matiere, "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
             "titre": titre, "coefficient": "2", "bareme": bareme, "eleve": eleve, "note": note,
             "saisie_le": entered}
            for (ref, matiere, titre, bareme), notes in grades.items() for eleve, note in notes.items()]


def school_with_notes(platform) -> dict:
    """A collège of its own, notes open, Hugo (101) and Zoé (103) graded in
    mathematics and French three days ago."""
    school = new_establishment(platform)
    now = platform.clock.now().astimezone(PARIS)
    entered, day = (now - timedelta(days=3)).strftime("%d/%m/%Y %H:%M"), (now - timedelta(days=4)).strftime("%d/%m/%Y")
    rows = grade_rows(entered, day, {("M1", "MATHS", "Fractions", "20"): {"101": "15,5", "103": "9"},
                                     ("F1", "FRANC", "Dictée", "20"): {"101": "12", "103": "16"}})
    rpc_calls(platform,
              ("notes", "set_opening", {"uai": school["uai"], "is_open": True, "account_id": None}),
              ("notes", "import_matieres", {"uai": school["uai"], "rows": [
                  {"code": "MATHS", "libelle": "Mathématiques"}, {"code": "FRANC", "libelle": "Français"}]}),
              ("notes", "import_evaluations", {"uai": school["uai"], "rows": rows}))
    return school


def address(school, who, device) -> str:
    return f"{who}.{device}.{school['uai'].lower()}@example.org"


def heading(page):
    return page.get_by_role("heading", level=1)


def choose_password(page, password):
    """Types the new password twice and validates."""
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_role("button", name="Valider").click()


def fill_first_connection(page, birth, email):
    """The first connection's form (guide § 2.2): birth date, password, address."""
    fill_birth_date(page, birth)
    page.get_by_label("Votre adresse électronique", exact=False).first.fill(email)
    page.get_by_label("Confirmation de votre adresse électronique").fill(email)
    choose_password(page, PASSWORD)


def child_menu(page, device):
    """The child's side menu, unfolded on a phone (guide § 2.6)."""
    menu = page.get_by_role("navigation", name=re.compile("^Services (de |d')"))
    if device == "phone":
        page.get_by_role("button", name=re.compile("^Menu (de |d')")).click()
    return menu


def account_menu(page, device):
    """The "Mon compte" side menu, unfolded on a phone (guide § 2.7)."""
    menu = page.get_by_role("navigation", name="Mon compte")
    if device == "phone":
        menu.get_by_role("button", name="Mon compte").click()
    return menu


# -- 1. a guardian's first connection through the mailed link -----------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_a_guardian_s_first_connection_through_the_mailed_link_to_the_child_s_services(platform, open_page, device):
    school = school_with_notes(platform)
    letter = school["letters"]["Philippe MARTIN"]
    email = address(school, "philippe", device)
    page = open_page(device)
    name = f"journey-responsable-{{}}-{device}"

    page.goto("/")
    expect(page).to_have_url(re.compile("/connexion"))
    expect(heading(page)).to_have_text("Connexion à Scolarité services")
    checked(page, name.format("connexion"))
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_label("Votre mot de passe").fill(letter["password"])
    page.get_by_role("button", name="Valider").click()

    expect(heading(page)).to_have_text("Première connexion")
    expect(page.get_by_text(letter["identifiant"], exact=True)).to_be_visible()
    checked(page, name.format("premiere-connexion"))
    fill_first_connection(page, "2012-04-04", email)

    expect(heading(page)).to_have_text("Votre compte est presque prêt")
    expect(page.get_by_role("status")).to_contain_text(
        f"Un courriel contenant un lien de confirmation a été envoyé à {email}.")
    checked(page, name.format("courriel-envoye"))

    # Nothing but the address check until the mailed link is followed (guide § 2.2.1).
    page.get_by_role("link", name="Valider").click()
    log_in(page, letter["identifiant"], PASSWORD)
    expect(heading(page)).to_have_text("Vérification mail")
    expect(page.get_by_label("Votre adresse électronique", exact=False).first).to_have_value(email)
    checked(page, name.format("verification-courriel"))

    mail = wait_for_mail(platform, email)
    assert "Confirmez votre adresse électronique" in mail["subject"]
    assert letter["identifiant"] in mail["text"] and "valable jusqu'au" in mail["text"]
    # Followed in the same browser, where the unconfirmed session still is.
    page.goto(link_in(mail, "/confirmation/"))
    expect(heading(page)).to_have_text("Adresse électronique confirmée")
    expect(page.get_by_role("status")).to_contain_text(f"Votre adresse électronique {email} est confirmée.")
    checked(page, name.format("adresse-confirmee"))
    page.get_by_role("link", name="Accéder aux services").click()

    expect(page).to_have_url(re.compile("/connexion"))
    log_in(page, letter["identifiant"], PASSWORD)
    expect(heading(page)).to_have_text("La scolarité d'Hugo MARTIN")
    expect(page.get_by_role("link", name="2 nouvelles notes")).to_be_visible()
    checked(page, name.format("accueil"))
    menu = child_menu(page, device)
    expect(menu.get_by_role("link", name="Mon compte")).to_be_visible()
    menu.get_by_role("link", name="Notes").click()
    expect(heading(page)).to_have_text("Notes d'Hugo MARTIN")
    expect(page.get_by_role("link", name="Mathématiques")).to_be_visible()
    checked(page, name.format("notes"))


# -- 2. a student's first connection -----------------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_a_student_s_first_connection_reaches_the_services_at_once_and_confirms_the_optional_address(
        platform, open_page, device):
    school = school_with_notes(platform)
    letter = school["letters"]["Zoé DURAND"]
    email = address(school, "zoe", device)
    page = open_page(device)
    name = f"journey-eleve-{{}}-{device}"

    log_in(page, letter["identifiant"], letter["password"])
    expect(heading(page)).to_have_text("Première connexion")
    expect(page.get_by_text("L'adresse électronique est facultative")).to_be_visible()
    checked(page, name.format("premiere-connexion"))
    fill_first_connection(page, "2013-06-30", email)

    # A student reaches the services at once; the address waits for its link (guide § 2.2.2).
    expect(heading(page)).to_have_text("La scolarité de Zoé DURAND")
    expect(page.get_by_text("Votre mot de passe a été enregistré. Bienvenue sur Scolarité services.")).to_be_visible()
    expect(page.get_by_text(f"Un courriel contenant un lien de confirmation a été envoyé à {email}")).to_be_visible()
    expect(page.get_by_role("link", name="2 nouvelles notes")).to_be_visible()
    checked(page, name.format("accueil"))

    child_menu(page, device).get_by_role("link", name="Mon compte").click()
    expect(heading(page)).to_have_text("Profil")
    expect(page.get_by_text(f"{email} – non confirmée")).to_be_visible()
    expect(page.get_by_role("button", name="Renvoyer le lien de confirmation")).to_be_visible()
    checked(page, name.format("profil-non-confirme"))

    page.goto(link_in(wait_for_mail(platform, email), "/confirmation/"))
    expect(heading(page)).to_have_text("Adresse électronique confirmée")
    checked(page, name.format("adresse-confirmee"))
    page.goto("/compte/")
    expect(page.get_by_text(f"{email} – confirmée")).to_be_visible()
    expect(page.get_by_role("button", name="Renvoyer le lien de confirmation")).to_have_count(0)
    checked(page, name.format("profil-confirme"))


# -- 3. forgotten password through the mail -----------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_a_forgotten_password_is_changed_through_the_mailed_link(platform, open_page, device):
    school = new_establishment(platform)
    letter = school["letters"]["Paul DURAND"]
    email = address(school, "paul", device)
    confirmed_guardian(platform, letter, "2013-06-30", email, PASSWORD)
    page = open_page(device)
    name = f"journey-mot-de-passe-oublie-{{}}-{device}"

    page.goto("/connexion")
    checked(page, name.format("connexion"))
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(heading(page)).to_have_text("Mot de passe oublié")
    expect(page.get_by_text("valable une semaine")).to_be_visible()
    checked(page, name.format("demande"))
    page.get_by_label("Votre identifiant").fill(letter["identifiant"])
    page.get_by_role("button", name="Valider").click()
    expect(heading(page)).to_have_text("Demande enregistrée")
    expect(page.get_by_role("status")).to_contain_text("valable une semaine")
    checked(page, name.format("demande-enregistree"))

    mail = wait_for_mail(platform, email, 2)  # the first was the address's confirmation
    assert "mot de passe" in mail["subject"].lower(), mail["subject"]
    link = link_in(mail, "/mot-de-passe-oublie/")
    page.goto(link)
    expect(heading(page)).to_have_text("Choisir un nouveau mot de passe")
    expect(page.get_by_text(letter["identifiant"], exact=True)).to_be_visible()
    checked(page, name.format("nouveau-mot-de-passe"))

    # Letters without a digit: refused beside the field, the password unchanged.
    choose_password(page, "soleilsoleil")
    expect(page.locator("#new_password-erreurs")).to_have_text(
        "Le mot de passe doit contenir au moins une lettre et au moins un chiffre.")
    expect(page.locator("#erreurs")).to_be_focused()
    checked(page, name.format("mot-de-passe-refuse"))
    choose_password(page, "nouveau2027")

    expect(page).to_have_url(re.compile("/connexion"))
    expect(page.get_by_text("Votre mot de passe a été modifié. Connectez-vous avec votre nouveau mot de passe.")
           ).to_be_visible()
    checked(page, name.format("mot-de-passe-modifie"))
    log_in(page, letter["identifiant"], PASSWORD)
    expect(page.get_by_text("Identifiant ou mot de passe incorrect")).to_be_visible()
    checked(page, name.format("ancien-refuse"))
    log_in(page, letter["identifiant"], "nouveau2027")
    expect(heading(page)).to_have_text("La scolarité de Zoé DURAND")
    checked(page, name.format("accueil"))

    # The link worked once.
    page.goto(link)
    expect(heading(page)).to_have_text("Ce lien n'est plus valable")
    checked(page, name.format("lien-deja-utilise"))


# -- 4. merging two accounts ---------------------------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_a_guardian_merges_the_account_of_a_second_letter(platform, open_page, device):
    college, lycee = new_establishment(platform), new_establishment(platform, lycee_payload)
    letter, other = college["letters"]["Philippe MARTIN"], lycee["letters"]["Philippe MARTIN"]
    confirmed_guardian(platform, letter, "2014-01-02", address(college, "philippe", device), PASSWORD)
    page = open_page(device)
    name = f"journey-regroupement-{{}}-{device}"

    log_in(page, letter["identifiant"], PASSWORD)
    child_menu(page, device).get_by_role("link", name="Mon compte").click()
    account_menu(page, device).get_by_role("link", name="Enfants").click()
    expect(heading(page)).to_have_text("Enfants")
    children = page.get_by_role("list").filter(has_text="Responsable : Philippe MARTIN")
    expect(children.get_by_role("listitem")).to_have_count(2)
    expect(children).to_contain_text("Hugo MARTIN - 04/04/2012")
    expect(children).to_contain_text("Léa MARTIN - 02/01/2014")
    expect(children).not_to_contain_text("Sarah")
    checked(page, name.format("enfants-avant"))

    # The second letter's provisional password is enough (guide § 2.2.1).
    page.get_by_role("link", name="Regrouper des comptes").click()
    expect(heading(page)).to_have_text("Regrouper des comptes")
    page.get_by_label("Identifiant du compte").fill(other["identifiant"])
    page.get_by_label("Mot de passe du compte").fill(other["password"])
    checked(page, name.format("formulaire"))
    page.get_by_role("button", name="Suivant").click()
    expect(heading(page)).to_have_text("Confirmer le regroupement")
    expect(page.get_by_text("Sarah MARTIN sera rattaché(e) à votre compte")).to_be_visible()
    expect(page.get_by_text(f"le compte {other['identifiant']} sera supprimé")).to_be_visible()
    checked(page, name.format("confirmer"))
    page.get_by_role("button", name="Confirmer le regroupement").click()

    expect(heading(page)).to_have_text("Enfants")
    expect(page.get_by_text("Les comptes ont été regroupés")).to_be_visible()
    expect(children.get_by_role("listitem")).to_have_count(3)
    expect(children).to_contain_text("Sarah MARTIN - 21/02/2009")
    expect(children).to_contain_text("LYCEE MARGUERITE DE FLANDRE")
    checked(page, name.format("enfants-apres"))

    # The other account is gone: its identifier no longer opens anything.
    page.context.clear_cookies()
    log_in(page, other["identifiant"], other["password"])
    expect(page.get_by_text("Identifiant ou mot de passe incorrect")).to_be_visible()
    checked(page, name.format("ancien-compte-refuse"))


# -- 5. two children at two schools, two menus --------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_two_children_at_two_schools_each_have_their_school_s_menu(platform, open_page, device):
    college, lycee = new_establishment(platform), new_establishment(platform, lycee_payload)
    # The collège opens the notes only, the lycée the vie scolaire only.
    rpc_calls(platform, ("notes", "set_opening", {"uai": college["uai"], "is_open": True, "account_id": None}),
              ("vie_scolaire", "set_opening", {"uai": lycee["uai"], "is_open": True, "account_id": None}))
    letter, other = college["letters"]["Philippe MARTIN"], lycee["letters"]["Philippe MARTIN"]
    user = confirmed_guardian(platform, letter, "2014-01-02", address(college, "philippe", device), PASSWORD)
    merge_accounts(user, other["identifiant"], other["password"])
    page = open_page(device)
    name = f"journey-deux-etablissements-{{}}-{device}"

    log_in(page, letter["identifiant"], PASSWORD)
    # The eldest first: Sarah's home page, her lycée's menu.
    expect(heading(page)).to_have_text("La scolarité de Sarah MARTIN")
    switcher = page.get_by_role("navigation", name="Choisir un enfant")
    expect(switcher.get_by_role("link")).to_have_text(["Sarah MARTIN", "Hugo MARTIN", "Léa MARTIN"])
    expect(page.get_by_text("LYCEE MARGUERITE DE FLANDRE")).to_be_visible()
    expect(child_menu(page, device).get_by_role("link")).to_have_text(["Accueil", "Vie scolaire", "Mon compte"])
    checked(page, name.format("accueil-sarah"))
    sarah_home = page.url

    switcher.get_by_role("link", name="Hugo MARTIN").click()
    expect(heading(page)).to_have_text("La scolarité d'Hugo MARTIN")
    expect(page.get_by_text("COLLEGE JEAN MOULIN")).to_be_visible()
    expect(child_menu(page, device).get_by_role("link")).to_have_text(["Accueil", "Notes", "Mon compte"])
    checked(page, name.format("accueil-hugo"))

    if device == "phone":
        # The ☰ menu holds each child's services too: Sarah's vie scolaire from Hugo's page.
        page.get_by_role("button", name="Menu", exact=True).click()
        header = page.get_by_role("navigation", name="Services des élèves")
        for who, links in (("d'Hugo", ["Accueil", "Notes"]), ("de Sarah", ["Accueil", "Vie scolaire"])):
            button = header.get_by_role("button", name=f"Services {who}")
            button.click()
            expect(page.locator("#" + button.get_attribute("aria-controls")).get_by_role("link")).to_have_text(links)
        checked(page, name.format("menu-telephone"))
        sarah = header.get_by_role("button", name="Services de Sarah").get_attribute("aria-controls")
        page.locator(f"#{sarah}").get_by_role("link", name="Vie scolaire").click()
    else:
        switcher.get_by_role("link", name="Sarah MARTIN").click()
        child_menu(page, device).get_by_role("link", name="Vie scolaire").click()
    expect(heading(page)).to_have_text("Vie scolaire de Sarah MARTIN")
    checked(page, name.format("vie-scolaire-sarah"))

    # Sarah's lycée has not opened the notes: no entry, and their address says so.
    page.goto(sarah_home.rstrip("/") + "/notes/")
    expect(heading(page)).to_have_text("Notes non ouvertes")
    expect(page.get_by_text("L'établissement de Sarah n'a pas ouvert la consultation des notes en ligne.")
           ).to_be_visible()
    checked(page, name.format("notes-sarah-fermees"))


# -- 6. notes: a new grade's tile on the home page, the subject, the grade ----
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_a_grade_published_since_the_last_visit_is_followed_from_the_home_tile_to_its_detail(
        platform, open_page, device):
    school = school_with_notes(platform)
    letter = school["letters"]["Hugo MARTIN"]
    first_connection(platform, letter, "2012-04-04", PASSWORD)  # saw the first two grades
    # A grade entered now is published the next day ("au fil de l'eau"):
    # Géométrie for Hugo (14) and Zoé (8).
    now = platform.clock.now().astimezone(PARIS)
    rows = grade_rows(now.strftime("%d/%m/%Y %H:%M"), now.strftime("%d/%m/%Y"),
                      {("M2", "MATHS", "Géométrie", "20"): {"101": "14", "103": "8"}})
    rpc_calls(platform, ("notes", "import_evaluations", {"uai": school["uai"], "rows": rows}))
    page = open_page(device)
    name = f"journey-notes-{{}}-{device}"
    try:
        platform.clock.advance(timedelta(days=1))
        log_in(page, letter["identifiant"], PASSWORD)
        expect(heading(page)).to_have_text("La scolarité d'Hugo MARTIN")
        expect(page.get_by_role("heading", name="Depuis votre dernière connexion")).to_be_visible()
        tile = page.get_by_role("link", name="1 nouvelle note")
        expect(tile).to_be_visible()
        checked(page, name.format("accueil"))
        tile.click()

        expect(heading(page)).to_have_text("Notes d'Hugo MARTIN")
        expect(page.get_by_text("En orange, les matières qui ont de nouvelles notes depuis votre dernière connexion")
               ).to_be_visible()
        maths = page.locator(".fr-tile").filter(has=page.get_by_role("link", name="Mathématiques"))
        french = page.locator(".fr-tile").filter(has=page.get_by_role("link", name="Français"))
        expect(maths).to_contain_text("M. DUPONT")
        expect(maths).to_contain_text("1 nouvelle note\u00a0– moyenne 14,75/20")
        expect(french).to_contain_text("Pas de nouvelle note\u00a0– moyenne 12/20")
        checked(page, name.format("matieres"))
        page.get_by_role("link", name="Mathématiques").click()

        expect(heading(page)).to_have_text("Mathématiques")
        expect(page.get_by_text("Professeur : M. DUPONT")).to_be_visible()
        expect(page.get_by_text("Moyenne d'Hugo : 14,75/20")).to_be_visible()
        table = page.get_by_role("table", name="Notes publiées, de la plus récente à la plus ancienne")
        rows = table.get_by_role("row")
        expect(rows).to_have_count(3)  # the header and two grades, the newest first
        newest, older = rows.nth(1), rows.nth(2)
        expect(newest.get_by_role("cell")).to_have_text([
            now.strftime("%d/%m/%Y"), "Géométrie nouvelle", "2", "14/20", "11/20", "8/20", "14/20"])
        expect(older.get_by_role("cell").nth(1)).to_have_text("Fractions")
        expect(older.get_by_role("cell").nth(3)).to_have_text("15,5/20")
        checked(page, name.format("matiere"))
    finally:
        platform.clock.set_offset(0)
