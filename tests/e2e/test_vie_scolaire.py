"""Issue 15 across real processes: the vie scolaire service, accounts, the
mailer and the gateway on RabbitMQ, each with its own database. Events come in
through the documented files and the import CLI's code path, are shown at J+1
by their flags as the clock moves, a guardian's online justification is
accepted and another refused and both mails are read back from the local
catcher; over HTTP, a guardian reads the page and justifies with a document,
staff answer it, nobody reaches another family's pages; the demo gives the
stories their term."""
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime
from html import unescape

import pytest

from common.clock import PARIS
from common.config import ROOT
from tests.fixtures import E2E_BACKENDS, Platform
from tests.e2e.accounts_support import press
from tests.e2e.test_notes import activate, login_again
from tests.helpers import family_payload, letters_by_name, text_of
from tools import demo
from tools.import_vie_scolaire import import_files

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "vie_scolaire": {"label": "Vie scolaire", "order": 30}}
# A Tuesday morning in term: the school's answers are mailed at once (the
# right to disconnect holds family mails from 20:00 to 07:00 and at weekends).
TUESDAY = datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)
EVENTS_HEADER = "ref;eleve;nature;debut;fin;minutes;motif;type;duree;sursis;detail;justifiee;publiable_en_ligne;" \
                "famille_avisee;saisie_le;annulation"


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def cluster(request, vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"viesco-{request.param}"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(TUESDAY)
    yield p
    p.stop()


def write_csv(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_of(eleve_id, uai, role="responsable", account_id=900, majeur=False):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": account_id,
            "viewer_role": role, "eleve_majeur": majeur}


def wait_for_mail(platform, to, subject_part):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in platform.mailbox(to=to):
            if subject_part in message["subject"]:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail «{subject_part}» to {to}")


@pytest.fixture(scope="module")
def school(cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    uai = f"{uuid.uuid4().int % 10**7:07d}V"
    rpc = cluster.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="COLLÈGE DE LA VIE SCOLAIRE"))
    ids = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    files = {
        "motifs": write_csv(tmp, "motifs.csv", ["code;libelle;parents", "MAL;Maladie;oui", "REV;Panne de réveil;non"]),
        "punitions": write_csv(tmp, "punitions.csv", ["Code;Libellé", "RET;Retenue"]),
        "periodes": write_csv(tmp, "periodes.csv", ["classe;numero;libelle;debut;fin",
                                                    ";1;1er trimestre;01/09/2026;30/11/2026",
                                                    ";2;2e trimestre;01/12/2026;28/02/2027",
                                                    ";3;3e trimestre;01/03/2027;04/07/2027"]),
        "evenements": write_csv(tmp, "evenements.csv", [
            EVENTS_HEADER,
            "A1;101;absence;09/11/2026 08:00;09/11/2026 17:00;;;;;;;non;oui;;09/11/2026 18:00;",
            "A2;101;absence;10/11/2026 08:00;10/11/2026 09:00;;;;;;;non;oui;;;",
            "S1;101;sanction;09/11/2026 11:00;;;;BLAME;;;Insolence;;;non;09/11/2026 18:00;",
            "P1;101;punition;09/11/2026 16:00;;;;RET;;;Travail non fait;;oui;;09/11/2026 18:00;",
            "Z1;103;absence;09/11/2026 08:00;09/11/2026 11:00;;;;;;;non;oui;;09/11/2026 18:00;",
        ]),
    }
    report = import_files(rpc, uai, files, demi_journee="12:00")
    assert report["evenements"] == {"crees": 5, "corriges": 0, "inchanges": 0, "annules": 0}
    rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    staff = rpc.call("accounts", "create_staff_account", payload={
        "role": "staff", "etablissement_uai": uai, "fonction": "secretariat", "nom": "CPE", "prenom": "Anne"})
    rpc.close()
    return {"uai": uai, "ids": ids, "tmp": tmp, "letters": letters, "staff": staff}


def test_a_refused_file_lists_its_lines_and_imports_nothing(cluster, school):
    bad = write_csv(school["tmp"], "mauvais.csv", [
        EVENTS_HEADER,
        "B1;101;absence;12/11/2026 08:00;12/11/2026 07:00;;;;;;;non;oui;;;",
        "B2;101;sanction;12/11/2026 08:00;;;;EXCLUSION_TEMPORAIRE;12;;;;;oui;;",
    ])
    run = subprocess.run([sys.executable, "-m", "tools.import_vie_scolaire", "--uai", school["uai"], str(bad)],
                         cwd=ROOT, env={**cluster.env, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Ligne 2, colonne « fin » : la fin doit être après le début." in run.stderr
    assert "Ligne 3, colonne « duree » : Exclusion temporaire de l'établissement ou d'un service annexe : " \
           "8 jours au plus" in run.stderr
    rpc = cluster.rpc()
    try:
        assert rpc.call("vie_scolaire", "alerts", uai=school["uai"])["eleves"] == []
    finally:
        rpc.close()


def test_shown_the_next_day_then_justified_online_accepted_and_refused_with_mails(cluster, school):
    uai, hugo = school["uai"], school["ids"]["101"]
    rpc = cluster.rpc()
    try:
        # Tuesday: Monday's absence and punishment, entered on Monday, are shown; today's absence is
        # not (tomorrow); the sanction is not either (famille pas avisée).
        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert [(line["debut"][:10], line["demi_journees"]) for line in period["evenements"]["absence"]] == [
            ("2026-11-09", 2)]
        assert period["evenements"]["sanction"] == [] and len(period["evenements"]["punition"]) == 1
        cluster.clock.move_to(datetime(2026, 11, 11, 10, 0, tzinfo=PARIS))
        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert period["totaux"]["demi_journees_non_justifiees"] == 3
        a2, a1 = (line["id"] for line in period["evenements"]["absence"])

        auteur = {"email": "claire.martin@example.org", "prenom": "Claire", "nom": "MARTIN", "eleve_prenom": "Hugo",
                  "eleve_nom": "MARTIN", "etablissement_nom": "COLLÈGE DE LA VIE SCOLAIRE"}
        for absence_id in (a1, a2):
            rpc.call("vie_scolaire", "justify", child=child_of(hugo, uai), evenement_id=absence_id,
                     form={"motif": "MAL", "commentaire": "Fièvre"}, auteur=auteur)
        pending = {p["debut"][:10]: p["id"] for p in rpc.call("vie_scolaire", "pending_justifications", uai=uai)}
        # The school's staff answer (the service asks accounts whether they administer its vie scolaire).
        staff_id = school["staff"]["account_id"]
        rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=pending["2026-11-09"],
                 decision={"accepter": True}, account_id=staff_id)
        rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=pending["2026-11-10"],
                 decision={"accepter": False, "raison": "Hugo était présent en cours à 8 h 30."}, account_id=staff_id)

        accepted = wait_for_mail(cluster, "claire.martin@example.org", "justification d'absence acceptée")
        assert "Hugo MARTIN" in accepted["subject"]
        assert "le 09/11/2026 de 8\u00a0h\u00a000 à 17\u00a0h\u00a000" in accepted["text"]
        refused = wait_for_mail(cluster, "claire.martin@example.org", "justification d'absence refusée")
        assert "Hugo était présent en cours à 8 h 30." in refused["text"]

        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert [line["justification"]["etat"] for line in period["evenements"]["absence"]] == ["refusee", "justifiee"]
        assert period["totaux"]["demi_journees_non_justifiees"] == 1
    finally:
        rpc.close()


def test_the_demo_gives_the_stories_their_term(cluster, tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    rpc = cluster.rpc(timeout=120)
    try:
        demo.build(rpc, var, cluster.clock, services=["accounts", "vie_scolaire"])
        eleves = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai="0599001A")}
        page = rpc.call("vie_scolaire", "page", child=child_of(eleves["1001"], "0599001A"))
        lycee = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai="0599003C")}
        lucas = rpc.call("vie_scolaire", "page", child=child_of(lycee["3002"], "0599003C", role="eleve",
                                                                  majeur=True))
        alerts = rpc.call("vie_scolaire", "alerts", uai="0599003C")
    finally:
        rpc.close()
    shown = {kind: lines for p in page["periodes"] for kind, lines in p["evenements"].items() if lines}
    assert sorted(shown) == ["absence", "punition", "retard", "sanction"]
    assert [line["type"] for line in shown["sanction"]] == ["Avertissement"]
    assert any(line["peut_justifier"] for line in shown["absence"])
    assert [p["libelle"] for p in lucas["periodes"]] == ["1er semestre", "2e semestre"]
    assert lucas["peut_justifier"] is True
    assert {"eleve_id": lycee["3002"], "demi_journees": 4} in alerts["eleves"]


def _csrf(html: str) -> dict:
    """Every CSRF field of the page's forms, by name (a page may hold several forms)."""
    return {name: unescape(value) for name, value in re.findall(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"', html)}


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Certificat medical")
    return bytes(pdf.output())


def test_over_http_a_guardian_justifies_with_a_document_and_staff_accept(cluster, school):
    uai, lea = school["uai"], school["ids"]["102"]
    rpc = cluster.rpc()
    try:
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=[
            {"ref": "L1", "eleve": "102", "nature": "absence", "debut": "03/11/2026 14:00", "fin": "03/11/2026 17:00",
             "publiable_en_ligne": "oui", "saisie_le": "03/11/2026 18:00"},
            {"ref": "L2", "eleve": "102", "nature": "retard", "debut": "04/11/2026 08:10", "minutes": "10",
             "publiable_en_ligne": "oui", "saisie_le": "04/11/2026 18:00"}])
    finally:
        rpc.close()
    claire = activate(cluster, school["letters"]["Claire MARTIN"], "2014-01-02")
    home = claire.get(f"/eleve/{lea}/")
    assert "Vie scolaire" in text_of(home.text)
    assert "1 demi-journée d'absence ce trimestre" in text_of(home.text)
    page = claire.get(f"/eleve/{lea}/vie-scolaire/")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Vie scolaire de Léa MARTIN" in text
    assert "1 demi-journée d'absence, dont 1 non justifiée" in text and "1 retard, dont 1 non justifié" in text
    assert "le 03/11/2026 de 14 h 00 à 17 h 00" in text
    assert "14\u00a0h\u00a000" in page.text  # never broken across two lines
    # The link keeps the period shown (?periode=1), so the form comes back to it.
    link = re.search(r'href="(/eleve/\d+/vie-scolaire/absence/(\d+)/justifier\?periode=1)"', page.text)
    path, absence_id = link.group(1), int(link.group(2))

    # A text file is refused beside its field; the comment typed is still there.
    form = claire.get(path)
    refused = claire.http.post(cluster.base_url + path, timeout=30, data={
        "csrf_token": _csrf(form.text)["csrf_token"], "motif": "MAL", "commentaire": "Fièvre et toux"},
        files={"document": ("mot.txt", b"Elle etait malade.", "text/plain")})
    assert refused.status_code == 200
    assert "Le document doit être un PDF ou une image (JPEG ou PNG)." in text_of(refused.text)
    assert "Fièvre et toux" in refused.text
    sent = claire.http.post(cluster.base_url + path, timeout=30, data={
        "csrf_token": _csrf(refused.text)["csrf_token"], "motif": "MAL", "commentaire": "Fièvre et toux"},
        files={"document": ("certificat.pdf", _pdf(), "application/pdf")})
    assert "Votre justification est transmise à l'établissement." in text_of(sent.text)
    assert "Justification en attente" in text_of(sent.text)

    staff = activate(cluster, school["staff"])
    admin = staff.get(f"/admin/etablissement/{uai}/vie-scolaire/justifications")
    assert admin.status_code == 200
    text = text_of(admin.text)
    assert "Léa MARTIN" in text and "Fièvre et toux" in text and "Transmise par Claire MARTIN" in text
    jid = int(re.search(r'id="justification-(\d+)"', admin.text).group(1))
    doc = staff.get(f"/admin/etablissement/{uai}/vie-scolaire/justifications/{jid}/document")
    assert doc.headers["Content-Type"] == "application/pdf" and doc.content.startswith(b"%PDF-")
    # A refusal needs a reason: the form comes back with the message beside the field.
    tokens = _csrf(admin.text)
    no_reason = staff.http.post(admin.url, timeout=30, data={
        "justification": jid, f"j{jid}-csrf_token": tokens[f"j{jid}-csrf_token"], f"j{jid}-decision": "refuser"})
    assert "Indiquez la raison du refus : la famille la lira." in text_of(no_reason.text)
    accepted = staff.http.post(admin.url, timeout=30, data={
        "justification": jid, f"j{jid}-csrf_token": _csrf(no_reason.text)[f"j{jid}-csrf_token"],
        f"j{jid}-decision": "accepter"})
    assert "Justification acceptée" in text_of(accepted.text)
    mail = wait_for_mail(cluster, school["letters"]["Claire MARTIN"]["identifiant"] + "@example.org",
                         "justification d'absence acceptée")
    assert "Léa MARTIN" in mail["subject"] and "le 03/11/2026 de 14\u00a0h\u00a000 à 17\u00a0h\u00a000" in mail["text"]
    page = claire.get(f"/eleve/{lea}/vie-scolaire/")
    assert "1 demi-journée d'absence, justifiée" in text_of(page.text)
    assert f'data-evenement="{absence_id}"' in page.text and 'data-etat="justifiee"' in page.text


def test_over_http_nobody_reaches_another_familys_pages_and_a_minor_cannot_justify(cluster, school):
    uai, hugo = school["uai"], school["ids"]["101"]
    paul = activate(cluster, school["letters"]["Paul DURAND"], "2013-06-30")
    hugo_user = activate(cluster, school["letters"]["Hugo MARTIN"], "2012-04-04")
    page = hugo_user.get(f"/eleve/{hugo}/vie-scolaire/")
    assert page.status_code == 200 and "Les absences sont justifiées par les responsables" in text_of(page.text)
    absence_id = int(re.search(r'data-evenement="(\d+)"', page.text).group(1))
    justify = f"/eleve/{hugo}/vie-scolaire/absence/{absence_id}/justifier"
    minor = hugo_user.get(justify)
    assert minor.status_code == 403 and "justifiées par ses responsables" in text_of(minor.text)
    assert hugo_user.http.post(cluster.base_url + justify, timeout=30, data={
        "csrf_token": _csrf(page.text)["csrf_token"], "motif": "MAL"}).status_code == 403

    own_page = paul.get("/")
    token = _csrf(own_page.text)["csrf_token"]
    for path in (f"/eleve/{hugo}/vie-scolaire/", f"/eleve/{hugo}/vie-scolaire/?periode=2", justify):
        assert paul.get(path).status_code == 404
    assert paul.http.post(cluster.base_url + justify, timeout=30,
                          data={"csrf_token": token, "motif": "MAL"}).status_code == 404
    # Families never reach the school's pages; nor does a family reach a document.
    for path in (f"/admin/etablissement/{uai}/vie-scolaire/justifications",
                 f"/admin/etablissement/{uai}/vie-scolaire/alertes",
                 f"/admin/etablissement/{uai}/vie-scolaire/justifications/1/document"):
        assert paul.get(path).status_code == 404
        assert hugo_user.get(path).status_code == 404


def test_a_cpe_administers_the_vie_scolaire_and_nothing_else(cluster, school):
    """The conseiller principal d'éducation: the vie scolaire pages of their
    establishment, its settings saved through the service (accounts' rule
    asked over the broker), but not the establishment's openings."""
    uai = school["uai"]
    rpc = cluster.rpc()
    try:
        created = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "cpe", "nom": "DUVAL", "prenom": "Marc"})
        cpe = activate(cluster, created)
        landing = cpe.get("/admin/")
        assert landing.url.endswith(f"/admin/etablissement/{uai}/vie-scolaire/justifications")
        assert cpe.get(f"/admin/etablissement/{uai}/").status_code == 404
        base = f"/admin/etablissement/{uai}/vie-scolaire/reglages"
        page = press(cpe, base, base + "/motif", {"code": "RDV", "libelle": "Rendez-vous médical", "parents": "y"})
        assert "Le motif « Rendez-vous médical » est enregistré." in text_of(page.text)
        assert {"code": "RDV", "libelle": "Rendez-vous médical", "parents": True} in rpc.call(
            "vie_scolaire", "reglages", uai=uai)["motifs"]
        with pytest.raises(Exception) as refused:
            rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=False, account_id=created["account_id"])
        assert type(refused.value).__name__ == "Forbidden"
        assert rpc.call("vie_scolaire", "get_openings", uais=[uai])[uai]["open"] is True
    finally:
        rpc.close()


def test_over_http_a_kept_page_shows_at_once_each_change_and_never_another_childs(cluster, school):
    """The service and the gateway keep a page while nothing it shows changed
    (docs/performance.md): a new event, a flag removed, an absence justified
    and the clock passing D+1 show on the very next load."""
    uai, hugo, lea = school["uai"], school["ids"]["101"], school["ids"]["102"]
    before = cluster.clock.now()
    cluster.clock.move_to(datetime(2026, 11, 19, 10, 0, tzinfo=PARIS))
    rpc = cluster.rpc()
    try:
        philippe = activate(cluster, school["letters"]["Philippe MARTIN"], "2012-04-04")
        lea_page, hugo_page = f"/eleve/{lea}/vie-scolaire/", f"/eleve/{hugo}/vie-scolaire/"

        def punition(publiable):
            rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=[
                {"ref": "K1", "eleve": "102", "nature": "punition", "debut": "19/11/2026 08:00", "type": "RET",
                 "detail": "Bavardages répétés", "publiable_en_ligne": publiable, "saisie_le": "19/11/2026 09:00"}])

        # Late in the evening (the same session until past midnight).
        cluster.clock.move_to(datetime(2026, 11, 19, 23, 50, tzinfo=PARIS))
        philippe = login_again(cluster, school["letters"]["Philippe MARTIN"]["identifiant"])
        assert "Bavardages répétés" not in text_of(philippe.get(lea_page).text)
        punition("oui")
        # Entered today: not before tomorrow, kept page or not.
        assert "Bavardages répétés" not in text_of(philippe.get(lea_page).text)
        cluster.clock.move_to(datetime(2026, 11, 20, 0, 0, 30, tzinfo=PARIS))
        assert "Bavardages répétés" in text_of(philippe.get(lea_page).text)
        # The other child's page, right after: their own events only.
        assert "Bavardages répétés" not in text_of(philippe.get(hugo_page).text)
        assert "Vie scolaire d'Hugo MARTIN" in text_of(philippe.get(hugo_page).text)
        assert "Bavardages répétés" in text_of(philippe.get(lea_page).text)
        cluster.clock.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=PARIS))
        philippe = login_again(cluster, school["letters"]["Philippe MARTIN"]["identifiant"])

        assert "Bavardages répétés" in text_of(philippe.get(lea_page).text)
        punition("non")
        assert "Bavardages répétés" not in text_of(philippe.get(lea_page).text)

        absence = {"ref": "K2", "eleve": "102", "nature": "absence", "debut": "18/11/2026 08:00",
                   "fin": "18/11/2026 09:00", "publiable_en_ligne": "oui", "justifiee": "non",
                   "saisie_le": "18/11/2026 18:00"}
        assert philippe.get(lea_page).status_code == 200
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=[absence])
        lines = rpc.call("vie_scolaire", "page", child=child_of(lea, uai))["periodes"][0]["evenements"]["absence"]
        k2 = next(line["id"] for line in lines if line["debut"].startswith("2026-11-18T08:00"))
        row = re.search(rf'data-evenement="{k2}".*?</tr>', philippe.get(lea_page).text, re.S)
        assert row is not None and 'data-etat="non_justifiee"' in row.group(0)
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=[{**absence, "justifiee": "oui", "motif": "MAL"}])
        row = re.search(rf'data-evenement="{k2}".*?</tr>', philippe.get(lea_page).text, re.S)
        assert 'data-etat="justifiee"' in row.group(0) and "Maladie" in row.group(0)
    finally:
        rpc.close()
        cluster.clock.move_to(before)
