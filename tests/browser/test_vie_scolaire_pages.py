"""The vie scolaire journey in a real browser (Debian's Chromium through
Playwright), on a PC (1280×800) and a phone (375×812, mobile user agent),
every page checked with axe-core and saved under var/screenshots/: a
guardian reads a child's term and justifies an absence with a document; the
school's CPE accepts it (PC) or refuses it with a reason (phone) on the
staff page; the guardian reads the school's answer."""
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import DEVICES, checked
from tests.browser.test_familles_pages import log_in
from tests.e2e.test_notes import activate
from tests.e2e.test_vie_scolaire import SERVICES, _pdf
from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cluster(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("viesco-browser"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(datetime(2026, 11, 10, 10, 0, tzinfo=PARIS))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def certificat(tmp_path_factory):
    pdf = tmp_path_factory.mktemp("doc") / "certificat.pdf"
    pdf.write_bytes(_pdf())
    return pdf


def new_school(cluster) -> dict:
    """A school of its own: Hugo's and Léa's term (two absences, a lateness, a
    suspended sanction), Claire their guardian past her first connection, and
    the school's CPE past theirs."""
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    rpc = cluster.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        rpc.call("vie_scolaire", "import_motifs", uai=uai,
                 rows=[{"code": "MAL", "libelle": "Maladie", "parents": "oui"}])
        rpc.call("vie_scolaire", "import_punitions", uai=uai, rows=[{"code": "RET", "libelle": "Retenue"}])
        rows = []
        for eleve in ("101", "102"):
            rows += [
                {"ref": f"A{eleve}-1", "eleve": eleve, "nature": "absence", "debut": "03/11/2026 08:00",
                 "fin": "03/11/2026 17:00", "publiable_en_ligne": "oui", "saisie_le": "03/11/2026 18:00"},
                {"ref": f"A{eleve}-2", "eleve": eleve, "nature": "absence", "debut": "05/11/2026 14:00",
                 "fin": "05/11/2026 17:00", "publiable_en_ligne": "oui", "saisie_le": "05/11/2026 18:00"},
                {"ref": f"R{eleve}", "eleve": eleve, "nature": "retard", "debut": "06/11/2026 08:05", "minutes": "5",
                 "publiable_en_ligne": "oui", "saisie_le": "06/11/2026 18:00"},
                {"ref": f"S{eleve}", "eleve": eleve, "nature": "sanction", "debut": "06/11/2026 11:00",
                 "type": "EXCLUSION_CLASSE", "duree": "1", "sursis": "total", "famille_avisee": "oui",
                 "detail": "Insolence", "saisie_le": "06/11/2026 18:00"}]
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=rows)
        rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
        ids = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
        cpe = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "cpe", "nom": "LEROY", "prenom": "Anne"})
    finally:
        rpc.close()
    activate(cluster, letters["Claire MARTIN"], "2012-04-04")
    activate(cluster, cpe)
    return {"uai": uai, "claire": letters["Claire MARTIN"]["identifiant"], "cpe": cpe["identifiant"], "ids": ids}


@pytest.mark.parametrize("device", list(DEVICES))
def test_an_absence_justified_by_the_guardian_and_answered_by_the_school(cluster, browser, certificat, device):
    school = new_school(cluster)
    context = browser.new_context(base_url=cluster.base_url, locale="fr-FR", **DEVICES[device])
    page = context.new_page()
    log_in(page, school["claire"], "valide2026")
    page.goto(f"/eleve/{school['ids']['101']}/vie-scolaire/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vie scolaire d'Hugo MARTIN")
    expect(page.locator("#totaux")).to_contain_text("3 demi-journées d'absence, dont 3 non justifiées")
    expect(page.locator("#sanctions")).to_contain_text("avec sursis total")
    checked(page, f"vie-scolaire-{device}")
    if device == "phone":
        # Nothing wider than the screen but the tables, which scroll by themselves.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name="Menu d'Hugo")).to_be_visible()

    # The morning-and-afternoon absence of 03/11, justified with a certificate.
    absence = page.locator("#absences tbody tr", has_text="03/11/2026")
    absence.get_by_role("link", name="Justifier cette absence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Justifier une absence")
    page.get_by_role("button", name="Transmettre la justification").click()
    expect(page.locator("#motif-erreurs")).to_contain_text("Choisissez un motif de la liste.")
    expect(page.get_by_label("Motif")).to_have_attribute("aria-invalid", "true")
    checked(page, f"vie-scolaire-justifier-erreur-{device}")
    page.get_by_label("Motif").select_option(label="Maladie")
    page.get_by_label("Commentaire").fill("Fièvre")
    page.set_input_files("#document", str(certificat))
    page.get_by_role("button", name="Transmettre la justification").click()
    expect(page.get_by_text("Votre justification est transmise à l'établissement.")).to_be_visible()
    absence = page.locator("#absences tbody tr", has_text="03/11/2026")
    expect(absence.locator("[data-etat]")).to_have_attribute("data-etat", "en_attente")
    expect(absence.get_by_role("link", name="Justifier cette absence")).to_have_count(0)
    checked(page, f"vie-scolaire-justification-transmise-{device}")

    # The school's CPE, on the same kind of device, answers on the staff page.
    office = browser.new_context(base_url=cluster.base_url, locale="fr-FR", **DEVICES[device]).new_page()
    log_in(office, school["cpe"], "valide2026")
    office.goto(f"/admin/etablissement/{school['uai']}/vie-scolaire/justifications")
    expect(office.get_by_role("heading", level=1)).to_have_text("Vie scolaire : justifications en attente")
    card = office.locator("section", has=office.get_by_role("heading", name="Hugo MARTIN"))
    expect(card).to_contain_text("Absence le 03/11/2026 de 8 h 00 à 17 h 00")
    expect(card).to_contain_text("Motif : Maladie")
    expect(card).to_contain_text("Commentaire : Fièvre")
    expect(card.get_by_role("link", name="Justificatif : certificat.pdf")).to_be_visible()
    checked(office, f"vie-scolaire-admin-justifications-{device}")
    if device == "pc":
        card.get_by_role("button", name="Accepter").click()
        expect(office.get_by_text("Justification acceptée")).to_be_visible()
    else:
        card.get_by_label("Raison du refus (lue par la famille)").fill("Le certificat n'est pas daté.")
        card.get_by_role("button", name="Refuser").click()
        expect(office.get_by_text("Justification refusée")).to_be_visible()
    expect(office.get_by_text("Aucune justification en attente.")).to_be_visible()
    checked(office, f"vie-scolaire-admin-reponse-{device}")
    office.context.close()

    # The guardian reads the school's answer on the child's page.
    page.goto(f"/eleve/{school['ids']['101']}/vie-scolaire/")
    absence = page.locator("#absences tbody tr", has_text="03/11/2026")
    if device == "pc":
        expect(absence.locator("[data-etat]")).to_have_attribute("data-etat", "justifiee")
        expect(absence).to_contain_text("Maladie")
        expect(page.locator("#totaux")).to_contain_text("3 demi-journées d'absence, dont 1 non justifiée")
    else:
        expect(absence.locator("[data-etat]")).to_have_attribute("data-etat", "refusee")
        expect(absence).to_contain_text("Raison : Le certificat n'est pas daté.")
        expect(page.locator("#totaux")).to_contain_text("3 demi-journées d'absence, dont 3 non justifiées")
    checked(page, f"vie-scolaire-reponse-{device}")
    context.close()
