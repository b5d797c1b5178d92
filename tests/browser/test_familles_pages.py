"""Issue 13, points 1–7 and 10: the pages a family (and a school's staff)
would still stumble on, in a real browser (Debian's Chromium through
Playwright) on a PC (1280×800) and a phone (375×812, mobile user agent).
Every page visited passes axe-core (no serious or critical violation) and
is saved under var/screenshots/."""
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked, fill_birth_date
from tests.e2e.accounts_support import confirmed_guardian, link_in, mails, wait_for_mail
from tests.e2e.test_notes import confirmation_link
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser
DEVICE_NAMES = list(DEVICES)


def new_school(platform, grades=True) -> dict:
    """A school of its own (so no test depends on another), notes open, and a
    few grades for Hugo (101) and Zoé (103) published three days ago."""
    uai = f"{uuid.uuid4().int % 10**7:07d}F"
    rpc = platform.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        if grades:
            rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
            rpc.call("notes", "import_matieres", uai=uai, rows=[{"code": "MATHS", "libelle": "Mathématiques"}])
            now = platform.clock.now().astimezone(PARIS)
            entered = (now - timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
            day = (now - timedelta(days=4)).strftime("%d/%m/%Y")
            rows = [{"evaluation": ref, "matiere": "MATHS", "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
                     "titre": titre, "coefficient": "2", "bareme": "20", "eleve": eleve, "note": note,
                     "saisie_le": entered}
                    for ref, titre in [("M1", "Fractions et nombres décimaux relatifs"), ("M2", "Calcul mental")]
                    for eleve, note in {"101": "15,5", "103": "9"}.items()]
            rpc.call("notes", "import_evaluations", uai=uai, rows=rows)
    finally:
        rpc.close()
    return {"uai": uai, "letters": letters}


def staff_of(platform, uai, role="staff") -> dict:
    rpc = platform.rpc()
    try:
        return rpc.call("accounts", "create_staff_account", payload={
            "role": role, "etablissement_uai": uai if role == "staff" else None, "fonction": "secretariat",
            "nom": "SECRÉTARIAT", "prenom": "Sophie"})
    finally:
        rpc.close()


@pytest.fixture
def open_page(platform, browser):
    contexts = []

    def open_(device, **options):
        context = browser.new_context(base_url=platform.base_url, locale=options.pop("locale", "fr-FR"),
                                      **DEVICES[device], **options)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def log_in(page, identifiant, password, name=None):
    """Through the login page (checked and saved as `name` when given)."""
    page.goto("/connexion")
    if name:
        checked(page, name)
    page.locator("#identifiant").fill(identifiant)
    page.locator("#mot_de_passe").fill(password)
    page.get_by_role("button", name="Valider").click()


def activate_student(page, letter, birth, password="soleil2026"):
    log_in(page, letter["identifiant"], letter["password"])
    fill_birth_date(page, birth)
    page.locator("#new_password").fill(password)
    page.locator("#new_password_confirm").fill(password)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("La scolarité d")


def activate_guardian(page, platform, letter, birth, email, password="soleil2026", name=None):
    """A guardian's first connection with their address, then the
    confirmation link followed from the mail catcher. With `name` ("x-{}-pc"),
    each page is checked and saved under it: connexion, premiere-connexion,
    courriel-envoye, courriel-confirme."""
    log_in(page, letter["identifiant"], letter["password"], name=name and name.format("connexion"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Première connexion")
    if name:
        checked(page, name.format("premiere-connexion"))
    fill_birth_date(page, birth)
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_label(re.compile(r"^Votre adresse électronique")).fill(email)
    page.get_by_label("Confirmation de votre adresse électronique").fill(email)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est presque prêt")
    if name:
        checked(page, name.format("courriel-envoye"))
    page.goto(confirmation_link(platform, email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Adresse électronique confirmée")
    if name:
        checked(page, name.format("courriel-confirme"))


def activate_staff(page, account, password="bureau2026", name=None):
    """A staff account's first connection (its page checked and saved as
    `name` when given)."""
    log_in(page, account["identifiant"], account["password"])
    if name:
        expect(page.get_by_role("heading", level=1)).to_have_text("Première connexion")
        checked(page, name)
    page.locator("#new_password").fill(password)
    page.locator("#new_password_confirm").fill(password)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Première connexion")


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def in_viewport(page, locator) -> bool:
    """The element is on screen horizontally: no sideways scrolling needed."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


# -- 1. the value a person came for, visible on a phone ---------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_1_the_grade_and_the_mail_status_are_on_screen(platform, open_page, device):
    school = new_school(platform)
    page = open_page(device)
    activate_student(page, school["letters"]["Hugo MARTIN"], "2012-04-04")
    page.goto(page.url.rstrip("/") + "/notes/")
    page.get_by_role("link", name="Mathématiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mathématiques")
    checked(page, f"1-notes-matiere-{device}")
    widths = [320, 375, 414] if device == "phone" else [1280]
    for width in widths:
        page.set_viewport_size({"width": width, "height": 812 if device == "phone" else 800})
        for cell in page.locator("td.grade").all():
            assert in_viewport(page, cell), f"grade off-screen at {width} px"
        assert no_sideways_scrolling(page), f"the subject's page scrolls sideways at {width} px"
        expect(page.locator("td.grade").first).to_contain_text("15,5/20")
    page.set_viewport_size(DEVICES[device]["viewport"])

    # The school's sent-mail page: a guardian's confirmation mail and its status.
    email = f"claire.{school['uai'].lower()}@example.org"
    confirmed_guardian(platform, school["letters"]["Claire MARTIN"], "2012-04-04", email)
    office = open_page(device)
    activate_staff(office, staff_of(platform, school["uai"]))
    office.goto(f"/admin/etablissement/{school['uai']}/courriels")
    row = office.locator("tr[data-statut]").first
    expect(row).to_be_visible()
    for width in ([320, 375, 414] if device == "phone" else [1280]):
        office.set_viewport_size({"width": width, "height": 812 if device == "phone" else 800})
        assert in_viewport(office, row.locator(".fr-badge")), f"status off-screen at {width} px"
        assert no_sideways_scrolling(office), f"the sent-mail page scrolls sideways at {width} px"
    office.set_viewport_size(DEVICES[device]["viewport"])
    checked(office, f"1-courriels-{device}")


# -- 2. the first real visit is called so ----------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_2_a_guardian_s_first_real_visit_says_premiere_connexion_with_everything_new(platform, open_page, device):
    school = new_school(platform)
    letter = school["letters"]["Philippe MARTIN"]
    email = f"philippe.{device}.{school['uai'].lower()}@example.org"
    page = open_page(device)
    log_in(page, letter["identifiant"], letter["password"])
    fill_birth_date(page, "2012-04-04")
    page.locator("#new_password").fill("soleil2026")
    page.locator("#new_password_confirm").fill("soleil2026")
    page.locator("#email").fill(email)
    page.locator("#email_confirm").fill(email)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est presque prêt")
    checked(page, f"2-courriel-envoye-{device}")
    page.goto(link_in(wait_for_mail(platform, email), "/confirmation/"))
    page.get_by_role("link", name="Accéder aux services").click()
    log_in(page, letter["identifiant"], "soleil2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("La scolarité d'Hugo")
    expect(page.get_by_role("heading", name="Première connexion")).to_be_visible()
    expect(page.get_by_text("depuis votre dernière connexion")).to_have_count(0)
    expect(page.locator("[data-service='notes'] .fr-tile__title")).to_contain_text("2 nouvelles notes")
    checked(page, f"2-accueil-premiere-visite-{device}")

    # The next visit: the previous one counts, nothing new since.
    page.context.clear_cookies()
    log_in(page, letter["identifiant"], "soleil2026")
    expect(page.get_by_role("heading", name="Depuis votre dernière connexion")).to_be_visible()
    expect(page.get_by_text("Rien de nouveau depuis votre dernière connexion.")).to_be_visible()
    checked(page, f"2-accueil-visite-suivante-{device}")


# -- 3. every error at once, a summary that takes the focus ----------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_3_the_first_connection_form_says_everything_at_once(platform, open_page, device):
    school = new_school(platform, grades=False)
    letter = school["letters"]["Philippe MARTIN"]
    page = open_page(device)
    log_in(page, letter["identifiant"], letter["password"])
    page.locator("#new_password").fill("court")
    page.locator("#email_confirm").fill("philippe@example.org")
    page.get_by_role("button", name="Valider").click()

    expect(page).to_have_title(re.compile("^Erreur\u00a0: Première connexion"))
    summary = page.locator("#erreurs")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le formulaire contient 4 erreurs")
    expect(page.locator("#date_naissance-erreurs")).to_contain_text("Ce champ est obligatoire.")
    expect(page.locator("#new_password-erreurs")).to_contain_text("8 à 14 caractères")
    expect(page.locator("#new_password_confirm-erreurs")).to_contain_text("Ce champ est obligatoire.")
    expect(page.locator("#email-erreurs")).to_contain_text("obligatoire pour un responsable")
    # What was typed stays, passwords excepted.
    expect(page.locator("#email_confirm")).to_have_value("philippe@example.org")
    expect(page.locator("#new_password")).to_have_value("")
    checked(page, f"3-premiere-connexion-erreurs-{device}")
    # The summary's link leads to the field.
    summary.get_by_role("link", name=re.compile("^Date de naissance")).click()
    expect(page.locator("#date_naissance-jour")).to_be_focused()

    # Another form of the gateway, the same pattern: the recovery page.
    page.context.clear_cookies()
    page.goto("/mot-de-passe-oublie")
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_title(re.compile("^Erreur\u00a0: "))
    expect(page.locator("#erreurs")).to_be_focused()
    checked(page, f"3-mot-de-passe-oublie-erreurs-{device}")


# -- 4. the birth date in three fields -------------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_4_birth_date_typed_day_first_under_an_english_browser(platform, open_page, device):
    school = new_school(platform, grades=False)
    letter = school["letters"]["Zoé DURAND"]
    page = open_page(device, locale="en-US")
    log_in(page, letter["identifiant"], letter["password"])
    expect(page.locator("input[type=date]")).to_have_count(0)
    # Ten unreadable dates: refused beside the field, never counted toward the slow-down.
    for _ in range(10):
        group = page.get_by_role("group", name=re.compile("Date de naissance"))
        group.get_by_label("Jour").fill("31")
        group.get_by_label("Mois").fill("02")
        group.get_by_label("Année").fill("2013")
        page.locator("#new_password").fill("etoile2026")
        page.locator("#new_password_confirm").fill("etoile2026")
        page.get_by_role("button", name="Valider").click()
        expect(page.locator("#date_naissance-erreurs")).to_contain_text("Date invalide")
    expect(page.locator("#date_naissance-jour")).to_have_value("31")
    checked(page, f"4-date-invalide-{device}")
    fill_birth_date(page, "2013-06-30")
    page.locator("#new_password").fill("etoile2026")
    page.locator("#new_password_confirm").fill("etoile2026")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("La scolarité de Zoé DURAND")
    checked(page, f"4-accueil-{device}")


# -- 5. marks and buttons as in the guide -----------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_5_marks_buttons_welcome_message_and_show_password(platform, open_page, device):
    school = new_school(platform, grades=False)
    operator = staff_of(platform, None, role="operator")
    admin = open_page(device)
    activate_staff(admin, operator)
    admin.goto("/admin/")
    message = f"Maintenance samedi {device} de 8 h à 12 h.\n<b>Merci</b>"
    admin.locator("#message").fill(message)
    admin.get_by_role("button", name="Enregistrer le message").click()
    expect(admin.get_by_text("Le message d'accueil de la page de connexion est enregistré.")).to_be_visible()
    checked(admin, f"5-admin-message-connexion-{device}")

    page = open_page(device)
    page.goto("/connexion")
    block = page.get_by_role("region", name="Message d'accueil")
    expect(block).to_contain_text(f"Maintenance samedi {device} de 8 h à 12 h.")
    expect(block).to_contain_text("<b>Merci</b>")  # shown as typed, never as HTML
    password = page.locator("#mot_de_passe")
    password.fill("secret2026")
    expect(password).to_have_attribute("type", "password")
    page.get_by_text("Afficher", exact=True).click()
    expect(password).to_have_attribute("type", "text")
    checked(page, f"5-connexion-{device}")

    letter = school["letters"]["Philippe MARTIN"]
    log_in(page, letter["identifiant"], letter["password"])
    expect(page.locator("label[for=email]")).to_contain_text("*")
    expect(page.locator("label[for=email_confirm]")).to_contain_text("*")
    buttons = page.locator("form .fr-btns-group")
    expect(buttons.get_by_role("button", name="Annuler")).to_be_visible()
    expect(buttons.get_by_role("button", name="Valider")).to_be_visible()
    checked(page, f"5-premiere-connexion-{device}")
    buttons.get_by_role("button", name="Annuler").click()
    expect(page).to_have_url(re.compile("/connexion"))

    # "Se déconnecter" in the Mon compte menu.
    email = f"philippe.{school['uai'].lower()}@example.org"
    confirmed_guardian(platform, letter, "2012-04-04", email)
    log_in(page, letter["identifiant"], "soleil2026")
    page.goto("/compte/")
    menu = page.get_by_role("navigation", name="Mon compte")
    if device == "phone":
        menu.get_by_role("button", name="Mon compte").click()
    checked(page, f"5-mon-compte-{device}")
    menu.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile("/connexion"))
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()


# -- 6. the phone's ☰ menu leads to each child's services ------------------
def test_6_the_phone_menu_holds_the_account_and_each_child_s_services(platform, open_page):
    school = new_school(platform)
    letter = school["letters"]["Philippe MARTIN"]
    email = f"philippe.{school['uai'].lower()}@example.org"
    confirmed_guardian(platform, letter, "2012-04-04", email)
    page = open_page("phone")
    log_in(page, letter["identifiant"], "soleil2026")
    page.get_by_role("button", name="Menu", exact=True).click()
    modal = page.locator("#menu-principal")
    expect(modal.get_by_role("link", name="Mon compte")).to_be_visible()
    expect(modal.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(modal.get_by_role("button", name="Services d'Hugo")).to_be_visible()
    expect(modal.get_by_role("button", name="Services de Léa")).to_be_visible()
    modal.get_by_role("button", name="Services de Léa").click()
    checked(page, "6-menu-telephone-phone")
    lea = modal.get_by_role("button", name="Services de Léa").get_attribute("aria-controls")
    page.locator(f"#{lea}").get_by_role("link", name="Notes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notes de Léa")
    checked(page, "6-notes-lea-phone")

    # On a PC the side menu does that job; the header's list stays hidden.
    pc = open_page("pc")
    log_in(pc, letter["identifiant"], "soleil2026")
    expect(pc.locator("#navigation-enfants")).to_be_hidden()
    expect(pc.locator("#menu-eleve-liste").get_by_role("link", name="Notes")).to_be_visible()
    checked(pc, "6-accueil-pc")


# -- 7. a confirmation link followed twice ---------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_7_a_confirmation_link_followed_twice_says_already_confirmed(platform, open_page, device):
    school = new_school(platform, grades=False)
    letter = school["letters"]["Paul DURAND"]
    email = f"paul.{school['uai'].lower()}@example.org"
    confirmed_guardian(platform, letter, "2013-06-30", email)
    link = link_in(mails(platform, email)[-1], "/confirmation/")
    page = open_page(device)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Adresse électronique déjà confirmée")
    expect(page.get_by_text("Ce lien n'est plus valable")).to_have_count(0)
    checked(page, f"7-lien-deja-suivi-{device}")
    page.get_by_role("link", name="Se connecter").click()
    expect(page).to_have_url(re.compile("/connexion"))
    # A link that never existed still says only that it is not valid.
    page.goto(link[:-6] + "xxxxxx")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien n'est plus valable")
    checked(page, f"7-lien-inconnu-{device}")


# -- 10. the staff's pages -------------------------------------------------
@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_10_closing_a_service_is_confirmed_and_the_page_survives_a_refused_message(platform, open_page, device):
    school = new_school(platform)
    page = open_page(device)
    activate_staff(page, staff_of(platform, school["uai"]))
    page.goto(f"/admin/etablissement/{school['uai']}/")
    expect(page.locator(".year-switcher [aria-current=page]")).to_have_class(re.compile("fr-icon-check-line"))
    expect(page.locator("main")).not_to_contain_text("(notes)")
    expect(page.locator("main")).not_to_contain_text("(accounts)")
    checked(page, f"10-administration-{device}")
    page.get_by_role("link", name="Fermer « Notes »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fermer « Notes » ?")
    expect(page.locator("#ce-qui-va-se-passer")).to_contain_text("sera fermé pour toutes les familles")
    checked(page, f"10-confirmer-fermeture-{device}")
    page.get_by_role("button", name="Confirmer la fermeture").click()
    expect(page.get_by_text("Le service « Notes » est fermé.")).to_be_visible()

    # The field stops typing at 2000 characters; sent longer anyway (as a script or an old browser would).
    page.locator("#message").evaluate("field => field.removeAttribute('maxlength')")
    page.locator("#message").fill("x" * 2001)
    page.get_by_role("button", name="Enregistrer le message", exact=True).click()
    expect(page.locator("#message-erreurs")).to_contain_text("2000 caractères au maximum")
    expect(page.get_by_role("link", name="Ouvrir « Notes »")).to_be_visible()
    checked(page, f"10-message-refuse-{device}")


@pytest.mark.parametrize("device", DEVICE_NAMES)
def test_10_merging_accounts_is_confirmed_on_a_second_step(platform, open_page, device):
    school, other_school = new_school(platform, grades=False), new_school(platform, grades=False)
    letter, other = school["letters"]["Philippe MARTIN"], other_school["letters"]["Philippe MARTIN"]
    confirmed_guardian(platform, letter, "2012-04-04", f"philippe.{school['uai'].lower()}@example.org")
    page = open_page(device)
    log_in(page, letter["identifiant"], "soleil2026")
    page.goto("/compte/enfants/regrouper")
    page.locator("#identifiant").fill(other["identifiant"])
    page.locator("#password").fill(other["password"])
    checked(page, f"10-regrouper-{device}")
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer le regroupement")
    expect(page.locator("#ce-qui-va-se-passer")).to_contain_text(f"le compte {other['identifiant']} sera supprimé")
    checked(page, f"10-confirmer-regroupement-{device}")
    page.get_by_role("button", name="Confirmer le regroupement").click()
    expect(page.get_by_text("Les comptes ont été regroupés")).to_be_visible()
