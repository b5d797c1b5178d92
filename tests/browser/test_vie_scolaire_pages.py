"""The vie scolaire pages in a real browser (Debian's Chromium through
Playwright), on a PC and on a 375 px smartphone, checked for accessibility
with axe-core: a guardian reads a child's term and justifies an absence with
a document."""
import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from common.clock import PARIS
from tests.browser.conftest import PC, PHONE, serious_violations
from tests.e2e.test_notes import activate
from tests.e2e.test_vie_scolaire import SERVICES, _pdf
from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name

pytestmark = pytest.mark.browser

PHONE_375 = {**PHONE, "viewport": {"width": 375, "height": 812}}


@pytest.fixture(scope="module")
def cluster(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("viesco-browser"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(datetime(2026, 11, 10, 10, 0, tzinfo=PARIS))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def family(cluster, tmp_path_factory):
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    rpc = cluster.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.call("vie_scolaire", "import_motifs", uai=uai, rows=[{"code": "MAL", "libelle": "Maladie", "parents": "oui"}])
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
    rpc.close()
    activate(cluster, letters["Claire MARTIN"], "2012-04-04")
    pdf = tmp_path_factory.mktemp("doc") / "certificat.pdf"
    pdf.write_bytes(_pdf())
    return {"claire": letters["Claire MARTIN"]["identifiant"], "ids": ids, "pdf": pdf}


@pytest.mark.parametrize("device", ["pc", "smartphone"])
def test_guardian_reads_the_term_and_justifies_an_absence(cluster, browser, family, device):
    eleve_id = family["ids"]["101" if device == "pc" else "102"]
    context = browser.new_context(base_url=cluster.base_url, locale="fr-FR", **(PC if device == "pc" else PHONE_375))
    page = context.new_page()
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(family["claire"])
    page.get_by_label("Votre mot de passe").fill("valide2026")
    page.get_by_role("button", name="Valider").click()

    page.goto(f"/eleve/{eleve_id}/vie-scolaire/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Vie scolaire (de |d')"))
    expect(page.locator("#totaux")).to_contain_text("3 demi-journées d'absence, dont 3 non justifiées")
    expect(page.locator("#sanctions")).to_contain_text("avec sursis total")
    assert serious_violations(page) == []
    if device == "smartphone":
        # Nothing wider than the screen but the tables, which scroll by themselves.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name=re.compile("^Menu (de |d')"))).to_be_visible()

    page.get_by_role("link", name="Justifier cette absence").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Justifier une absence")
    page.get_by_role("button", name="Transmettre la justification").click()
    expect(page.locator("#motif-erreurs")).to_contain_text("Choisissez un motif de la liste.")
    assert serious_violations(page) == []
    page.get_by_label("Motif").select_option(label="Maladie")
    page.get_by_label("Commentaire").fill("Fièvre")
    page.set_input_files("#document", str(family["pdf"]))
    page.get_by_role("button", name="Transmettre la justification").click()
    expect(page.get_by_text("Votre justification est transmise à l'établissement.")).to_be_visible()
    expect(page.locator('[data-etat="en_attente"]')).to_have_count(1)
    assert serious_violations(page) == []
    context.close()
