"""The staff's administration of each feature service in a real browser
(Debian's Chromium through Playwright), on a PC (1280×800) and a phone
(375×812, mobile user agent), every page checked with axe-core and saved
under var/screenshots/ (issue 21, "the staff's administration of each
service"): the académie's operator declares a service shown as a link (an
http address refused beside its field first) and reads the inscription and
bourses campaigns; a lycée's head opens a service and closes another after
the confirmation step, opens the académie's link, chooses how grades are
published, sets the vie scolaire's half-day boundary (a malformed hour
refused beside its field) and a motif, and reads the pages of the LSL, the
fiche, the inscription's list of assigned students (exports it as CSV and
sets the lycée's message) and the bourses.

Its own platform with every feature service (SQLite): one lycée per test."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICES, checked
from tests.browser.test_familles_pages import activate_staff
from tests.e2e.test_inscription import RENTREE, affectation
from tests.e2e.test_inscription import payload as college_payload
from tests.fixtures import Platform
from tests.helpers import family_payload

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "notes": {"label": "Notes", "order": 20}, "vie_scolaire": {"label": "Vie scolaire", "order": 30},
            "lsl": {"label": "Livret scolaire", "order": 40},
            "fiche": {"label": "Fiche de renseignements", "order": 50},
            "bourses": {"label": "Bourses", "order": 60}, "inscription": {"label": "Inscription au lycée", "order": 70}}
# The académie's link each device's test declares (links are académie-wide).
LIENS = {"pc": "ENT", "phone": "Pix"}


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("admin-browser"), SERVICES)
    p.start(SERVICES)
    yield p
    p.stop()


def new_lycee(site) -> dict:
    """A lycée of its own with its head's account; Hugo, a collège's student,
    assigned to it for the rentrée; the académie's operator."""
    lycee, college = f"{uuid.uuid4().int % 10**7:07d}L", f"{uuid.uuid4().int % 10**7:07d}C"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=lycee, nom="LYCÉE DU NAVIGATEUR",
                                                                     type_="lycee"))
        rpc.call("accounts", "import_siecle", payload=college_payload(college))
        rpc.call("inscription", "import_affectations", annee_scolaire=RENTREE,
                 lignes=[affectation(college, lycee, 1, "MARTIN", "Hugo")])
        head = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": lycee, "fonction": "direction", "nom": "PROVISEUR",
            "prenom": "Anne"})
        operator = rpc.call("accounts", "create_staff_account", payload={
            "role": "operator", "nom": "RECTORAT", "prenom": "Olivier"})
    finally:
        rpc.close()
    return {"uai": lycee, "head": head, "operator": operator}


def service_row(page, label):
    return page.locator("tr[data-service]", has=page.get_by_role("cell", name=label, exact=True))


def change_opening(page, action, label, device):
    """Open or close a service from the establishment's page, through the step
    that says what will happen to every family."""
    page.get_by_role("link", name=f"{action} « {label} »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{action} « {label} » ?")
    checked(page, f"admin-{action.lower()}-{label.lower().replace(' ', '-')}-{device}")
    page.get_by_role("button", name="Confirmer l'ouverture" if action == "Ouvrir" else "Confirmer la fermeture").click()


def other_setting(page, uai, label):
    """A service's page from the establishment's "Autres réglages"."""
    page.goto(f"/admin/etablissement/{uai}/")
    page.get_by_role("link", name=label).click()


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_staff_administer_each_service(site, browser, device):
    lycee = new_lycee(site)
    uai, lien = lycee["uai"], LIENS[device]

    # The académie's operator declares a service shown as a link.
    operator = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(operator, lycee["operator"], name=f"admin-operateur-premiere-connexion-{device}")
    operator.goto("/admin/liens/")
    expect(operator.get_by_role("heading", level=1)).to_have_text("Services académiques")
    operator.get_by_label("Nom du service").fill(lien)
    operator.get_by_label("Adresse (https://…)").fill(f"http://{lien.lower()}.ac-exemple.fr/")
    operator.get_by_role("group", name="Types d'établissement").get_by_text("Lycée", exact=True).click()
    operator.get_by_role("button", name="Déclarer le service").click()
    expect(operator.locator("#adresse-erreurs")).to_contain_text("Seules les adresses en https sont acceptées")
    expect(operator.get_by_label("Nom du service")).to_have_value(lien)
    checked(operator, f"admin-liens-erreur-{device}")
    operator.get_by_label("Adresse (https://…)").fill(f"https://{lien.lower()}.ac-exemple.fr/")
    operator.get_by_role("button", name="Déclarer le service").click()
    expect(operator.get_by_text(f"Le service « {lien} » est déclaré")).to_be_visible()
    checked(operator, f"admin-liens-{device}")
    # The académie's campaigns: inscription and bourses.
    operator.goto("/admin/inscription/")
    expect(operator.get_by_role("heading", level=1)).to_have_text("Inscription au lycée : campagne de l'académie")
    checked(operator, f"admin-inscription-campagne-{device}")
    operator.goto("/admin/bourses/")
    expect(operator.get_by_role("heading", level=1)).to_have_text("Bourses : campagnes de l'académie")
    checked(operator, f"admin-bourses-campagnes-{device}")
    operator.context.close()

    # The lycée's head: the establishment's page, every deployed service in its table.
    page = browser.new_context(base_url=site.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    activate_staff(page, lycee["head"], name=f"admin-premiere-connexion-{device}")
    page.goto(f"/admin/etablissement/{uai}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("LYCÉE DU NAVIGATEUR")
    for label in ("Notes", "Vie scolaire", "Livret scolaire", "Fiche de renseignements"):
        expect(service_row(page, label)).to_be_visible()
    checked(page, f"admin-etablissement-{device}")

    # Open one service, close another.
    closed = [label for label in ("Vie scolaire", "Notes")
              if service_row(page, label).get_by_text("fermé", exact=True).is_visible()]
    assert closed, "no closed service to open"
    change_opening(page, "Ouvrir", closed[0], device)
    expect(page.get_by_text(f"Le service « {closed[0]} » est ouvert aux familles.")).to_be_visible()
    expect(service_row(page, closed[0]).get_by_text("ouvert", exact=True)).to_be_visible()
    change_opening(page, "Fermer", closed[0], device)
    expect(page.get_by_text(f"Le service « {closed[0]} » est fermé.")).to_be_visible()
    expect(service_row(page, closed[0]).get_by_text("fermé", exact=True)).to_be_visible()
    checked(page, f"admin-ouvertures-{device}")

    # The académie's link, opened for this lycée's families.
    row = page.locator("#liens-academiques tr", has=page.get_by_role("cell", name=re.compile(f"^{lien} \\(")))
    row.get_by_role("link", name=f"Ouvrir « {lien} »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ouvrir « {lien} » ?")
    checked(page, f"admin-lien-ouvrir-{device}")
    page.get_by_role("button", name="Confirmer l'ouverture").click()
    expect(page.get_by_text("Le lien est affiché dans le menu des familles concernées.")).to_be_visible()
    expect(row.get_by_text("ouvert", exact=True)).to_be_visible()
    checked(page, f"admin-lien-ouvert-{device}")

    # Notes: how grades are published.
    other_setting(page, uai, "Notes : mode de publication")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notes : mode de publication")
    checked(page, f"admin-notes-{device}")
    # A person clicks the label: the DSFR draws the radio button over the input.
    page.get_by_text(re.compile(r"^À échéance\s:")).click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le mode de publication des notes est enregistré.")).to_be_visible()
    expect(page.get_by_label(re.compile("^À échéance"))).to_be_checked()
    checked(page, f"admin-notes-enregistre-{device}")

    # Vie scolaire: the justifications, the absenteeism, the settings.
    other_setting(page, uai, "Vie scolaire : justifications en attente")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vie scolaire : justifications en attente")
    expect(page.get_by_text("Aucune justification en attente.")).to_be_visible()
    checked(page, f"admin-vie-scolaire-justifications-{device}")
    nav = page.get_by_role("navigation", name="Administration de la vie scolaire")
    nav.get_by_role("link", name="Absentéisme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vie scolaire : absentéisme")
    checked(page, f"admin-vie-scolaire-absenteisme-{device}")
    nav.get_by_role("link", name="Demi-journées, motifs et périodes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vie scolaire : demi-journées, motifs et périodes")
    checked(page, f"admin-vie-scolaire-reglages-{device}")
    hour = page.get_by_label("Heure de séparation des demi-journées (hh:mm)")
    hour.fill("25:00")
    page.get_by_role("button", name="Enregistrer l'heure").click()
    expect(hour).to_have_attribute("aria-invalid", "true")
    expect(hour).to_have_value("25:00")
    checked(page, f"admin-vie-scolaire-heure-erreur-{device}")
    hour.fill("12:30")
    page.get_by_role("button", name="Enregistrer l'heure").click()
    expect(page.get_by_text("L'heure de séparation des demi-journées est enregistrée")).to_be_visible()
    expect(hour).to_have_value("12:30")
    page.get_by_label("Code *", exact=True).fill("MAL")
    page.get_by_label("Libellé *", exact=True).fill("Maladie")
    page.get_by_text("Les familles peuvent le choisir en justifiant une absence en ligne").click()
    page.get_by_role("button", name="Enregistrer le motif").click()
    expect(page.get_by_text("Le motif « Maladie » est enregistré.")).to_be_visible()
    expect(page.get_by_role("table", name="Motifs de l'établissement").get_by_role("row", name="MAL Maladie oui")) \
        .to_be_visible()
    checked(page, f"admin-vie-scolaire-motif-{device}")

    # The LSL: the families' requests, the replications, the final livret.
    other_setting(page, uai, "Livret scolaire : demandes des familles, réplications, livret définitif")
    expect(page.get_by_role("heading", level=1)).to_have_text("Livret scolaire du lycée")
    expect(page.get_by_role("table", name="Les 10 dernières réplications du module LSL")).to_contain_text(
        "Aucune réplication reçue.")
    checked(page, f"admin-lsl-{device}")

    # The fiche: the families' changes waiting for a decision.
    other_setting(page, uai, "Fiche de renseignements : modifications des familles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiche de renseignements : modifications des familles")
    expect(page.get_by_text("Aucune modification en attente.")).to_be_visible()
    checked(page, f"admin-fiche-{device}")

    # The inscription: the students assigned to the lycée, and its message to their families.
    other_setting(page, uai, "Inscription au lycée : réponses des familles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscription au lycée")
    assigned = page.get_by_role("table", name="1 élève affecté")
    expect(assigned.get_by_role("row", name=re.compile("Hugo MARTIN"))).to_contain_text("COLLEGE JEAN MOULIN")
    checked(page, f"admin-inscription-{device}")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Exporter la liste (CSV)").click()
    assert downloaded.value.suggested_filename == f"inscriptions-{uai}.csv"
    with open(downloaded.value.path(), encoding="utf-8-sig") as exported:
        lines = exported.read().splitlines()
    assert lines[0].startswith("INE;Nom;Prénom;Collège d'origine;")
    assert any(";MARTIN;Hugo;COLLEGE JEAN MOULIN;" in line and ";Pas de réponse;" in line for line in lines), lines
    page.get_by_label("Message du lycée d'affectation").fill("Rentrée le 1er septembre à 8 h 30.")
    page.get_by_role("button", name="Enregistrer le message").click()
    expect(page.get_by_text("Le message du lycée est enregistré")).to_be_visible()
    expect(page.get_by_label("Message du lycée d'affectation")).to_have_value("Rentrée le 1er septembre à 8 h 30.")
    checked(page, f"admin-inscription-message-{device}")

    # The bourses: the families' applications.
    other_setting(page, uai, "Bourses : demandes des familles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de bourse")
    expect(page.get_by_text("Aucune demande.")).to_be_visible()
    checked(page, f"admin-bourses-{device}")
    page.context.close()
