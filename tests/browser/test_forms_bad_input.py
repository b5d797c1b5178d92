"""Every form families and staff use, submitted empty then malformed, in a
real browser (issues 13 § 3 and 21, "Bad input"): the French error shows
beside its field and is tied to it (aria-describedby, or the group's
aria-labelledby), the error summary at the top takes the focus and names it,
the page title starts with « Erreur : », what was typed stays (passwords
excepted), and axe-core finds no serious violation (`checked`, which also
saves the screenshot).

One platform for the module (every service, SQLite); each form reaches its
page as its user would, at the moment its rules need (a campaign open, an
absence published), by moving the injectable clock. Every form at PC size,
a representative few at phone size."""
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked
from tests.e2e.accounts_support import confirmed_guardian, first_connection, link_in, press, wait_for_mail
from tests.e2e.fiche_support import new_establishment as new_fiche_school
from tests.e2e.test_accounts_staff import staff_user
from tests.e2e.test_fiche import as_filled
from tests.e2e.test_fiche import post as post_fiche
from tests.e2e.test_fiche_service import MONDAY
from tests.e2e.test_inscription import OFFRE, RENTREE, affectation
from tests.e2e.test_inscription import payload as inscription_payload
from tests.e2e.test_lsl import _record as lsl_record
from tests.fixtures import Platform
from tests.helpers import WebUser, errors_of, family_payload, letters_by_name, text_of
from tools.demo_bourses import BAREME_FILE
from tools.import_bourses import read_bareme
from tools.lsl_writer import lsl_xml

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "notes": {"label": "Notes", "order": 20}, "vie_scolaire": {"label": "Vie scolaire", "order": 30},
            "fiche": {"label": "Fiche de renseignements", "order": 40},
            "lsl": {"label": "Livret scolaire", "order": 50},
            "bourses": {"label": "Bourses", "order": 60},
            "inscription": {"label": "Inscription au lycée", "order": 70}}
PASSWORD = "soleil2026"
# The moments the forms' rules need: a school day in term (an absence
# published the day before), the lycée enrollment campaign, the bourses campaign.
TERM = datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)
INSCRIPTION_DAY = datetime(2027, 6, 26, 19, 8, tzinfo=PARIS)
BOURSES_DAY = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
REQUIRED = "Ce champ est obligatoire."


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("forms-bad-input"), SERVICES)
    p.start(SERVICES)
    yield p
    p.stop()


def new_school(site, when=TERM, type_="college") -> dict:
    """An establishment of its own, its letters issued at `when`."""
    site.clock.move_to(when)
    uai = f"{uuid.uuid4().int % 10**7:07d}F"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, type_=type_))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    finally:
        rpc.close()
    return {"uai": uai, "letters": letters, "ids": ids}


def guardian(site, school) -> WebUser:
    return confirmed_guardian(site, school["letters"]["Claire MARTIN"], "2012-04-04",
                              f"claire.{school['uai'].lower()}@example.org", PASSWORD)


def operator(site) -> WebUser:
    rpc = site.rpc()
    try:
        created = rpc.call("accounts", "create_staff_account", payload={
            "role": "operator", "nom": "RECTORAT", "prenom": "Olivier"})
    finally:
        rpc.close()
    user, _page = first_connection(site, created, None, "bureau2026")
    return user


@dataclass
class Form:
    """A form on its page: the button that sends it, what each round types
    ({input id: value}, a select's value prefixed "select:") and the message
    expected beside each field ({field id: message}); `bad_summary` are
    form-wide messages of the malformed round, `passwords` inputs that must
    come back empty. A form that accepts anything typed has no malformed
    round (`bad` None)."""
    path: str
    button: str
    empty: dict | None
    bad: dict | None
    bad_errors: dict
    clear: tuple = ()
    passwords: tuple = ()
    bad_summary: tuple = ()
    user: WebUser | None = None
    checks: list = field(default_factory=list)


# -- how each form is reached ---------------------------------------------
def login_form(site, tmp):
    return Form("/connexion", "Valider", empty={"identifiant": REQUIRED, "mot_de_passe": REQUIRED},
                bad={"identifiant": "inconnu.x", "mot_de_passe": "pas-le-bon"}, bad_errors={},
                bad_summary=("Identifiant ou mot de passe incorrect.",), passwords=("mot_de_passe",))


def first_connection_form(site, tmp):
    school = new_school(site)
    user = WebUser(site.base_url)
    letter = school["letters"]["Philippe MARTIN"]
    user.login(letter["identifiant"], letter["password"])
    return Form("/premiere-connexion", "Valider", user=user,
                empty={"date_naissance": REQUIRED, "new_password": REQUIRED, "new_password_confirm": REQUIRED,
                       "email": "obligatoire pour un responsable"},
                bad={"date_naissance-jour": "31", "date_naissance-mois": "02", "date_naissance-annee": "2012",
                     "new_password": "court", "new_password_confirm": "court", "email": "pas-une-adresse",
                     "email_confirm": "pas-une-adresse"},
                bad_errors={"date_naissance": "Date invalide", "new_password": "8 à 14 caractères",
                            "email": "Adresse électronique invalide."},
                passwords=("new_password", "new_password_confirm"))


def forgotten_password_form(site, tmp):
    # Any identifier is answered the same way (no enumeration): nothing is malformed.
    return Form("/mot-de-passe-oublie", "Valider", empty={"identifiant": REQUIRED}, bad=None, bad_errors={})


def forgotten_identifier_form(site, tmp):
    return Form("/identifiant-oublie", "Valider", empty={"email": REQUIRED},
                bad={"email": "pas-une-adresse"}, bad_errors={"email": "Adresse électronique invalide."})


def new_password_form(site, tmp):
    school = new_school(site)
    user = guardian(site, school)
    email = f"claire.{school['uai'].lower()}@example.org"
    before = len(site.mailbox(to=email))
    WebUser(site.base_url).post_form("/mot-de-passe-oublie",
                                     {"identifiant": school["letters"]["Claire MARTIN"]["identifiant"]})
    link = link_in(wait_for_mail(site, email, before + 1), "/mot-de-passe-oublie/")
    return Form(link.replace(site.base_url, ""), "Valider", user=WebUser(site.base_url),
                empty={"new_password": REQUIRED, "new_password_confirm": REQUIRED},
                bad={"new_password": "court", "new_password_confirm": "autre"},
                bad_errors={"new_password": "8 à 14 caractères"}, passwords=("new_password", "new_password_confirm"))


def mon_compte_form(site, tmp):
    school = new_school(site)
    return Form("/compte/", "Valider", user=guardian(site, school), empty={"current_password": REQUIRED},
                clear=("email", "email_confirm"),
                bad={"current_password": "pas-le-bon", "email": "pas-une-adresse", "email_confirm": "autre@example.org",
                     "new_password": "court", "new_password_confirm": "court"},
                bad_errors={"email": "Adresse électronique invalide.", "new_password": "8 à 14 caractères"},
                passwords=("current_password", "new_password", "new_password_confirm"))


def pending_justification(site):
    """A school whose CPE has a family's justification to answer: the
    school, the justification's path and the guardian."""
    school = new_school(site)
    rpc = site.rpc()
    try:
        rpc.call("vie_scolaire", "import_motifs", uai=school["uai"],
                 rows=[{"code": "MAL", "libelle": "Maladie", "parents": "oui"}])
        rpc.call("vie_scolaire", "import_evenements", uai=school["uai"], rows=[
            {"ref": "A1", "eleve": "101", "nature": "absence", "debut": "03/11/2026 08:00", "fin": "03/11/2026 17:00",
             "publiable_en_ligne": "oui", "saisie_le": "03/11/2026 18:00"}])
        rpc.call("vie_scolaire", "set_opening", uai=school["uai"], is_open=True, account_id=None)
    finally:
        rpc.close()
    user = guardian(site, school)
    page = user.get(f"/eleve/{school['ids']['Hugo MARTIN']}/vie-scolaire/")
    path = re.search(r'href="(/eleve/\d+/vie-scolaire/absence/\d+/justifier[^"]*)"', page.text).group(1)
    return school, path.replace("&amp;", "&"), user


def justification_form(site, tmp):
    _school, path, user = pending_justification(site)
    return Form(path, "Transmettre la justification", user=user,
                empty={"motif": "Choisissez un motif de la liste."},
                bad={"motif": "select:MAL", "commentaire": "Fièvre et toux",
                     "document": ("file:mot.txt", "text/plain", b"Il etait malade.")},
                bad_errors={"document": "Le document doit être un PDF ou une image (JPEG ou PNG)."})


def fiche_form(site, tmp):
    site.clock.move_to(MONDAY)
    school = new_fiche_school(site, tmp)
    user = confirmed_guardian(site, school["letters"]["Philippe MARTIN"], "2013-04-04",
                              f"philippe.{school['uai'].lower()}@example.org", PASSWORD)
    hugo = re.search(r"/eleve/(\d+)/", user.get("/").url + user.last.text).group(1)
    address = ("adresse-ligne1", "adresse-ligne2", "adresse-ligne3", "adresse-ligne4", "adresse-code_postal",
               "adresse-commune")
    return Form(f"/eleve/{hugo}/fiche/responsable/modifier", "Envoyer à l'établissement", user=user,
                clear=address, empty={"adresse": REQUIRED},
                bad={"adresse-ligne1": "1 RUE DU MOULIN", "adresse-code_postal": "59580", "adresse-commune": "Lille",
                     "tel_portable": "06 12"},
                bad_errors={"tel_portable": "Numéro de téléphone invalide", "adresse-commune": "59580"})


def inscription_form(site, tmp):
    site.clock.move_to(INSCRIPTION_DAY)
    uai, lycee = f"{uuid.uuid4().int % 10**7:07d}B", f"{uuid.uuid4().int % 10**7:07d}L"
    rpc = site.rpc()
    try:
        rpc.call("inscription", "save_campagne", account_id=None, form={
            "annee_scolaire": RENTREE, "ouverture": "25/06/2027 14:30", "cloture": "28/06/2027 23:59"})
        rpc.call("accounts", "import_siecle", payload=inscription_payload(uai))
        rpc.call("accounts", "import_siecle", payload={
            "etablissement": {"uai": lycee, "nom": "LYCÉE MARGUERITE DE FLANDRE", "type": "lycee",
                              "commune": "GONDECOURT"}, "eleves": [], "personnes": [], "liens": []})
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
        rpc.call("inscription", "import_affectations", annee_scolaire=RENTREE,
                 lignes=[affectation(uai, lycee, 1, "MARTIN", "Hugo")])
        rpc.call("inscription", "import_offres", offres=[{**OFFRE, "lycee_uai": lycee}])
    finally:
        rpc.close()
    user = confirmed_guardian(site, letters["Claire MARTIN"], "2012-04-04", f"claire.{uai.lower()}@example.org",
                              PASSWORD)
    path = f"/eleve/{ids['Hugo MARTIN']}/inscription/"
    press(user, path, f"{path}decision", {"choix": "inscrire"})
    press(user, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2", "options": ["LATIN"], "section": "EURO_AGL"})
    address = ("responsable_adresse_ligne1", "responsable_adresse_code_postal", "responsable_adresse_commune")
    # Every field of this step may stay as the record has it: nothing is required.
    return Form(f"{path}?etape=3", "Enregistrer et continuer", user=user, empty=None,
                bad={"responsable_adresse_ligne1": "1 RUE DU MOULIN", "responsable_adresse_code_postal": "59580",
                     "responsable_adresse_commune": "Lille", "responsable_tel_portable": "06 12",
                     "eleve_email": "pas-une-adresse"},
                bad_errors={"responsable_adresse_commune": "Cette commune ne correspond pas au code postal 59580",
                            "responsable_tel_portable": "Numéro de téléphone invalide",
                            "eleve_email": "Adresse électronique invalide"})


def bourses_form(site, tmp):
    site.clock.move_to(BOURSES_DAY)
    if not getattr(site, "bourses_campaign", False):
        # Once for the module's platform, whichever test comes first.
        rpc = site.rpc()
        try:
            for (_year, niveau), echelons in read_bareme(BAREME_FILE).items():
                rpc.call("bourses", "load_bareme", annee_scolaire=2027, niveau=niveau, echelons=echelons)
            rpc.call("bourses", "save_campagne", account_id=None, form={
                "annee_scolaire": 2027, "niveau": "college", "ouverture": "01/09/2027", "cloture": "14/10/2027"})
        finally:
            rpc.close()
        site.bourses_campaign = True
    school = new_school(site, BOURSES_DAY)
    return Form(f"/eleve/{school['ids']['Hugo MARTIN']}/bourses/", "Déposer la demande",
                user=guardian(site, school),
                empty={"situation": REQUIRED, "enfants_a_charge": REQUIRED, "revenu_fiscal_reference": REQUIRED},
                bad={"situation-0": "check:", "enfants_a_charge": "0", "revenu_fiscal_reference": "-500",
                     "annee_avis": "deux mille"},
                bad_errors={"enfants_a_charge": "1 enfant à charge au minimum",
                            "revenu_fiscal_reference": "ne peut pas être négatif", "annee_avis": "Nombre entier attendu."})


def staff_of(site, school, fonction="direction") -> WebUser:
    return staff_user(site, school["uai"], fonction)


def reglages_form(site, tmp):
    school = new_school(site)
    rpc = site.rpc()
    try:
        rpc.call("vie_scolaire", "set_opening", uai=school["uai"], is_open=True, account_id=None)
    finally:
        rpc.close()
    return Form(f"/admin/etablissement/{school['uai']}/vie-scolaire/reglages", "Enregistrer l'heure",
                user=staff_of(site, school), clear=("heure_demi_journee",), empty={"heure_demi_journee": REQUIRED},
                bad={"heure_demi_journee": "25:99"}, bad_errors={"heure_demi_journee": "au format hh:mm"})


def personnels_form(site, tmp):
    school = new_school(site)
    return Form("/admin/personnels/", "Créer le compte", user=operator(site),
                empty={"nom": REQUIRED, "prenom": REQUIRED},
                bad={"etablissement_uai": "select:", "nom": "LEROY", "prenom": "Anne", "email": "pas-une-adresse"},
                bad_errors={"email": "Adresse électronique invalide.",
                            "etablissement_uai": "Un personnel est rattaché à un établissement"})


def liens_form(site, tmp):
    return Form("/admin/liens/", "Déclarer le service", user=operator(site),
                empty={"nom": REQUIRED, "adresse": REQUIRED},
                bad={"nom": "Pix", "adresse": "http://app.pix.example.fr/", "types_etablissement-0": "check:"},
                bad_errors={"adresse": "Seules les adresses en https sont acceptées"})


def bourses_campagne_form(site, tmp):
    site.clock.move_to(BOURSES_DAY)
    return Form("/admin/bourses/", "Enregistrer la campagne", user=operator(site),
                empty={"ouverture": REQUIRED, "cloture": REQUIRED},
                bad={"annee_scolaire": "2027", "ouverture": "31/02/2027", "cloture": "demain"},
                bad_errors={"ouverture": "Date attendue au format jj/mm/aaaa.",
                            "cloture": "Date attendue au format jj/mm/aaaa."})


def justification_decision_form(site, tmp):
    school, path, user = pending_justification(site)
    sent = user.post_form(path, {"motif": "MAL", "commentaire": "Fièvre et toux"})
    assert "Votre justification est transmise" in sent.text, sent.status_code
    cpe = staff_of(site, school, "cpe")
    listing = cpe.get(f"/admin/etablissement/{school['uai']}/vie-scolaire/justifications").text
    raison = "j{}-raison".format(re.search(r'id="justification-(\d+)"', listing).group(1))
    # A refusal needs a reason the family can read: spaces are none.
    refusal = "Indiquez la raison du refus\u00a0: la famille la lira."
    return Form(f"/admin/etablissement/{school['uai']}/vie-scolaire/justifications", "Refuser", user=cpe,
                empty={raison: refusal}, bad={raison: "   "}, bad_errors={raison: refusal})


def fiche_decision_form(site, tmp):
    site.clock.move_to(MONDAY)
    school = new_fiche_school(site, tmp)
    family = confirmed_guardian(site, school["letters"]["Philippe MARTIN"], "2013-04-04",
                                f"philippe.{school['uai'].lower()}@example.org", PASSWORD)
    rpc = site.rpc()
    try:
        hugo = next(e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=school["uai"])
                    if e["prenom"] == "Hugo")
    finally:
        rpc.close()
    change = f"/eleve/{hugo}/fiche/eleve/modifier"
    filled = as_filled(family, change, tel_portable="06 98 76 54 32")
    assert family.last.status_code == 200, text_of(family.last.text)[:500]
    sent = post_fiche(family, change, filled)
    assert sent.status_code == 200, errors_of(sent.text)
    staff = staff_of(site, school, "secretariat")
    listing = staff.get(f"/admin/etablissement/{school['uai']}/fiche").text
    path = re.search(rf'href="(/admin/etablissement/{school["uai"]}/fiche/\d+)"', listing).group(1)
    [demande] = re.findall(r'data-demande="(\d+)"', staff.get(path).text)
    # Empty: nothing decided. Malformed: a reason typed on a change left for later.
    return Form(path, "Enregistrer les décisions", user=staff,
                empty={f"decision-{demande}": "Choisissez « Accepter » ou « Refuser » pour au moins une modification."},
                bad={f"motif-{demande}": "Numéro déjà connu du secrétariat"},
                bad_errors={f"motif-{demande}": "Choisissez « Accepter » ou « Refuser » pour envoyer ce motif"})


def lsl_decision_form(site, tmp):
    site.clock.move_to(TERM)
    uai = f"{uuid.uuid4().int % 10**7:07d}W"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="LYCÉE DU NAVIGATEUR", type_="lycee"))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        hugo = next(e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai) if e["prenom"] == "Hugo")
        rpc.call("lsl", "replicate", uai=uai, xml=lsl_xml(lsl_record(uai, ["101"], avis={"101": "T"})).decode())
        rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
    finally:
        rpc.close()
    family = confirmed_guardian(site, letters["Claire MARTIN"], "2012-04-04", f"claire.{uai.lower()}@example.org",
                                PASSWORD)
    asked = family.post_form(f"/eleve/{hugo}/lsl/demande/rectification", {
        "partie": "enseignements", "objet": "La moyenne de latin est fausse.", "commentaire": ""})
    assert "Votre demande est enregistrée" in asked.text, asked.status_code
    head = staff_of(site, {"uai": uai})
    demande = re.search(r'data-demande="(\d+)"', head.get(f"/admin/etablissement/{uai}/lsl").text).group(1)
    # Empty: no decision chosen. Malformed: an answer written, still no
    # decision (the answer, optional, is stopped at 2,000 characters by the
    # browser: maxlength).
    choose = "Choisissez d'accepter ou de refuser la demande."
    return Form(f"/admin/etablissement/{uai}/lsl", "Enregistrer la décision", user=head,
                empty={f"d{demande}-decision": choose},
                bad={f"d{demande}-reponse": "La moyenne de latin est corrigée dans le module LSL."},
                bad_errors={f"d{demande}-decision": choose})


def inscription_campagne_form(site, tmp):
    site.clock.move_to(INSCRIPTION_DAY)
    return Form("/admin/inscription/", "Enregistrer la campagne", user=operator(site),
                empty={"annee_scolaire": REQUIRED, "ouverture": REQUIRED, "cloture": REQUIRED},
                bad={"annee_scolaire": "20a7", "ouverture": "31/02/2027 14:30", "cloture": "demain"},
                bad_errors={"annee_scolaire": "Nombre entier attendu.",
                            "ouverture": "Date et heure attendues au format jj/mm/aaaa hh:mm",
                            "cloture": "Date et heure attendues au format jj/mm/aaaa hh:mm"})


FORMS = {
    "connexion": login_form,
    "premiere-connexion": first_connection_form,
    "mot-de-passe-oublie": forgotten_password_form,
    "identifiant-oublie": forgotten_identifier_form,
    "nouveau-mot-de-passe": new_password_form,
    "mon-compte": mon_compte_form,
    "justification": justification_form,
    "fiche": fiche_form,
    "inscription": inscription_form,
    "bourses": bourses_form,
    "reglages-vie-scolaire": reglages_form,
    "personnels": personnels_form,
    "liens-academiques": liens_form,
    "campagne-bourses": bourses_campagne_form,
    "campagne-inscription": inscription_campagne_form,
    "decision-justification": justification_decision_form,
    "decision-fiche": fiche_decision_form,
    "decision-lsl": lsl_decision_form,
}
PHONE_SUBSET = ["premiere-connexion", "mon-compte", "justification", "fiche", "bourses", "decision-fiche"]
CASES = [(name, "pc") for name in FORMS] + [(name, "phone") for name in PHONE_SUBSET]


@pytest.fixture
def open_page(site, browser):
    contexts = []

    def open_(device, user):
        context = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device])
        contexts.append(context)
        if user is not None:
            # The session the set-up opened over HTTP, carried into the browser.
            context.add_cookies([{"name": c.name, "value": c.value, "url": site.base_url}
                                 for c in user.http.cookies])
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def type_in(page, values: dict) -> None:
    for input_id, value in values.items():
        target = page.locator(f"#{input_id}")
        if isinstance(value, tuple):
            # A file chosen: (file:<name>, type, content).
            target.set_input_files({"name": value[0].removeprefix("file:"), "mimeType": value[1], "buffer": value[2]})
        elif value.startswith("check:"):
            # The DSFR draws the box over the input: a person clicks the label.
            page.locator(f'label[for="{input_id}"]').click()
        elif value.startswith("select:"):
            target.select_option(value.removeprefix("select:"))
        else:
            target.fill(value)


def came_back_with(page, form: Form, errors: dict, name: str) -> None:
    """The page that comes back: title, focused summary naming every error,
    each error beside its field and tied to it; axe and a screenshot."""
    expect(page).to_have_title(re.compile("^Erreur\u00a0: "))
    summary = page.locator("#erreurs")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "erreurs"
    for field_id, message in errors.items():
        beside = page.locator(f"#{field_id}-erreurs")
        expect(beside).to_contain_text(message)
        tied = page.locator(f'[aria-describedby~="{field_id}-erreurs"], [aria-labelledby~="{field_id}-erreurs"]')
        expect(tied.first).to_be_attached()
        expect(summary).to_contain_text(message)
    for message in form.bad_summary if "invalide" in name else ():
        expect(summary).to_contain_text(message)
    checked(page, name)


@pytest.mark.parametrize("name, device", CASES)
def test_a_form_sent_empty_then_malformed_says_why_beside_each_field(site, open_page, tmp_path, name, device):
    form = FORMS[name](site, tmp_path)
    page = open_page(device, form.user)
    page.goto(form.path)
    button = page.get_by_role("button", name=form.button, exact=True)

    # Empty (a form whose every field may stay empty has no such round).
    if form.empty is not None:
        for input_id in form.clear:
            page.locator(f"#{input_id}").fill("")
        button.click()
        came_back_with(page, form, form.empty, f"erreurs-{name}-vide-{device}")

    # Malformed: every value typed stays, but passwords (and a file chosen,
    # which a browser never sends back).
    if form.bad is None:
        return
    type_in(page, form.bad)
    button.click()
    came_back_with(page, form, form.bad_errors, f"erreurs-{name}-invalide-{device}")
    for input_id, value in form.bad.items():
        target = page.locator(f"#{input_id}")
        if isinstance(value, tuple) or value.startswith("check:"):
            continue
        if input_id in form.passwords:
            expect(target).to_have_value("")
        else:
            expect(target).to_have_value(value.removeprefix("select:"))
