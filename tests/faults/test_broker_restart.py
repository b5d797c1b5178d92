"""RabbitMQ restarted under load (issue 20): a broker node this module starts
itself (tools/broker_node.py, never the machine's shared one), the services
on quorum queues and PostgreSQL. While it is down, pages answer "momentanément
indisponible" (never an error page); once it is back, everything recovers
without a process being restarted, and no durable message is lost: a fiche
change, an inscription (whose receipt mail waits in the mailer's queue) and an
absence justification sent just before the broker goes down are all in their
owners afterwards, read back through the gateway's pages, and every mail
requested before the restart is delivered exactly once. A fiche change sent
while the broker is down gets a clear 503 that never claims success."""
import re
import time
import types
from datetime import datetime
from html import unescape

import pytest
import requests

from common.caught_mail import CaughtMail
from common.clock import PARIS
from tests.e2e.accounts_support import confirmed_guardian, press
from tests.e2e.fiche_support import new_establishment as fiche_establishment
from tests.e2e.test_fiche import as_filled, champ, post
from tests.e2e.test_inscription import OFFRE, affectation
from tests.e2e.test_inscription import payload as inscription_payload
from tests.e2e.test_vie_scolaire import EVENTS_HEADER, _pdf, write_csv
from tests.faults.support import (OUTCOME_UNKNOWN, UNAVAILABLE, Load, deployment, family_session, rpc,
                                  school_with_grades, start, text_of, wait_until)
from tests.fixtures import Platform
from tests.helpers import WebUser, letters_by_name
from tools.import_vie_scolaire import import_files as import_vie_scolaire
from tools.broker_node import BrokerNode, available

pytestmark = pytest.mark.skipif(not available(), reason="RabbitMQ's scripts are not installed")

SERVICES = {
    "accounts": {"required": True},
    "mailer": {"required": True},
    "notes": {"label": "Notes", "order": 20},
    "vie_scolaire": {"label": "Vie scolaire", "order": 30},
    "fiche": {"label": "Fiche de renseignements", "order": 40},
    "inscription": {"label": "Inscription au lycée", "order": 70},
}
# A Tuesday morning in term, during the lycée's enrollment campaign: no mail
# held by the right to disconnect.
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=PARIS)
RENTREE = 2027
MAIL_QUEUE = "route-mail_requested--mailer.mail_requested"
GUARDIANS = {"Philippe MARTIN": "2012-04-04", "Claire MARTIN": "2012-04-04", "Paul DURAND": "2013-06-30"}


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    n = BrokerNode(tmp_path_factory.mktemp("rabbit")).start()
    yield n
    n.destroy()


@pytest.fixture(scope="module")
def portal(node, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broker-fault")
    d = deployment(tmp, SERVICES, node.amqp_uri, env={"SCOLARITE_QUEUE_TYPE": "quorum"})
    try:
        start(d)
        d.clock.move_to(TUESDAY)
        d.school = school_with_grades(d, tmp)
        d.families = families(d, tmp)
        yield d
    finally:
        d.stop()
        d.drop_databases()


def families(d, tmp) -> dict:
    """The other owners' data, with the mailer running: a collège whose fiche
    came from SIECLE files (Philippe MARTIN, his address confirmed), and a
    collège whose Hugo is assigned to a lycée during the campaign and whose
    Léa has an absence to justify (Claire MARTIN, her address confirmed)."""
    site = types.SimpleNamespace(base_url=d.base_url, mail_dir=d.mail_dir, rpc=lambda timeout=60: rpc(d, timeout))
    site.mailbox = lambda to=None: Platform.mailbox(site, to)
    fiche = fiche_establishment(site, tmp / "fiche")
    uai, lycee = fiche["uai"][:-1] + "I", fiche["uai"][:-1] + "L"
    client = rpc(d)
    try:
        client.call("inscription", "save_campagne", account_id=None, form={
            "annee_scolaire": RENTREE, "ouverture": "07/12/2026 14:30", "cloture": "14/12/2026 23:59"})
        client.call("accounts", "import_siecle", payload=inscription_payload(uai))
        client.call("accounts", "import_siecle", payload={
            "etablissement": {"uai": lycee, "nom": "LYCÉE MARGUERITE DE FLANDRE", "type": "lycee",
                              "commune": "GONDECOURT"}, "eleves": [], "personnes": [], "liens": []})
        letters = letters_by_name(client.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in client.call("accounts", "list_eleves", uai=uai)}
        report = client.call("inscription", "import_affectations", annee_scolaire=RENTREE,
                             lignes=[affectation(uai, lycee, 1, "MARTIN", "Hugo")])
        assert report["creees"] == 1, report
        client.call("inscription", "import_offres", offres=[{**OFFRE, "lycee_uai": lycee}])
        files = {
            "motifs": write_csv(tmp, "motifs.csv", ["code;libelle;parents", "MAL;Maladie;oui"]),
            "punitions": write_csv(tmp, "punitions.csv", ["Code;Libellé", "RET;Retenue"]),
            "periodes": write_csv(tmp, "periodes.csv", ["classe;numero;libelle;debut;fin",
                                                        ";1;1er trimestre;01/09/2026;30/11/2026",
                                                        ";2;2e trimestre;01/12/2026;28/02/2027"]),
            "evenements": write_csv(tmp, "evenements.csv", [
                EVENTS_HEADER, "A1;102;absence;07/12/2026 08:00;07/12/2026 12:00;;;;;;;non;oui;;07/12/2026 18:00;"]),
        }
        import_vie_scolaire(client, uai, files, demi_journee="12:00")
        client.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
    finally:
        client.close()
    fiche_ids = {}
    client = rpc(d)
    try:
        fiche_ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"]
                     for e in client.call("accounts", "list_eleves", uai=fiche["uai"])}
    finally:
        client.close()
    return {
        "philippe": confirmed_guardian(site, fiche["letters"]["Philippe MARTIN"], "2013-04-04",
                                       "philippe.fiche@example.org"),
        "fiche_hugo": fiche_ids["Hugo MARTIN"],
        "claire": confirmed_guardian(site, letters["Claire MARTIN"], "2012-04-04", "claire.lycee@example.org"),
        "hugo": ids["Hugo MARTIN"], "lea": ids["Léa MARTIN"], "site": site,
    }


def before_the_restart(f) -> dict:
    """What the families send through the gateway just before the broker goes
    down (the mailer stopped: the receipt waits in its queue)."""
    philippe, claire = f["philippe"], f["claire"]
    fiche = f"/eleve/{f['fiche_hugo']}/fiche"
    done = post(philippe, fiche + "/eleve/modifier", as_filled(philippe, fiche + "/eleve/modifier",
                                                               tel_portable="06 98 76 54 32"))
    assert done.status_code == 200 and "transmises à l'établissement" in text_of(done.text), text_of(done.text)[:300]

    path = f"/eleve/{f['hugo']}/inscription/"
    press(claire, path, f"{path}decision", {"choix": "inscrire"})
    press(claire, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2", "options": ["LATIN"], "section": "EURO_AGL"})
    press(claire, f"{path}?etape=3", f"{path}donnees", {
        "responsable_adresse_ligne1": "1 RUE DU MOULIN", "responsable_adresse_code_postal": "59580",
        "responsable_adresse_commune": "Emerchicourt", "responsable_tel_portable": "06 12 34 56 78"})
    done = press(claire, path, f"{path}confirmation")
    assert "L'inscription est terminée" in text_of(done.text), text_of(done.text)[:300]

    page = claire.get(f"/eleve/{f['lea']}/vie-scolaire/")
    link = unescape(re.search(r'href="(/eleve/\d+/vie-scolaire/absence/\d+/justifier[^"]*)"', page.text).group(1))
    form = claire.get(link)
    sent = claire.http.post(claire.base_url + link, timeout=30, data={
        "csrf_token": unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)),
        "motif": "MAL", "commentaire": "Fièvre et toux"},
        files={"document": ("certificat.pdf", _pdf(), "application/pdf")})
    assert "Votre justification est transmise à l'établissement." in text_of(sent.text), text_of(sent.text)[:300]
    # The form of a change Philippe will send while the broker is down, as
    # his browser holds it (its CSRF token taken now: no page answers then).
    edit = fiche + "/responsable/modifier"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', philippe.get(edit).text).group(1)
    return {**as_filled(philippe, edit, tel_portable="06 11 22 33 55"), "csrf_token": unescape(token)}


def _queue_messages(node, name: str) -> int | None:
    for line in node.ctl("list_queues", "--no-table-headers", "name", "messages").splitlines():
        queue, messages = line.split("\t")
        if queue == name:
            return int(messages)
    return None


def _ready(port: int) -> int:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code
    except requests.RequestException:
        return 0


def test_pages_say_unavailable_while_the_broker_is_down_and_recover_losing_no_mail_request(portal, node):
    cluster, school = portal.cluster, portal.school
    mailer = cluster.processes["mailer"]
    # Mail requests accepted before the restart wait in the mailer's durable queue.
    mailer.stop()
    addresses = {}
    for name, birth in GUARDIANS.items():
        letter = school.letters[name]
        address = f"{letter['identifiant']}@example.org"
        user = WebUser(portal.base_url)
        user.login(letter["identifiant"], letter["password"])
        page = user.post_form("/premiere-connexion", {
            "date_naissance": birth, "new_password": "valide2026", "new_password_confirm": "valide2026",
            "email": address, "email_confirm": address})
        assert page.status_code == 200 and "Pour activer votre compte" not in text_of(page.text)
        addresses[name] = address
    f = portal.families
    late_form = before_the_restart(f)
    # The first connections' mails and the inscription's receipt (a fiche
    # change or a justification mails nobody until the school decides).
    queued = len(GUARDIANS) + 1
    wait_until(lambda: _queue_messages(node, MAIL_QUEUE) == queued, "the mail requests queued")

    pids = {name: proc.popen.pid for name, proc in cluster.processes.items() if proc.running}
    load = Load(portal.base_url, school, users=2).start()
    try:
        wait_until(lambda: load.sessions_done() >= 2, "sessions under way")
        node.stop()
        down_at = time.monotonic()
        wait_until(lambda: len(load.between(down_at, time.monotonic())) >= 6, "pages asked while the broker is down")
        # The gateway stays ready (degraded): it serves the "momentanément indisponible" pages itself.
        assert _ready(cluster.processes["gateway"].health_port) == 200
        assert _ready(cluster.processes["notes"].health_port) == 503
        # A change sent now: a clear 503 that never claims it was recorded.
        late = f["philippe"].http.post(f"{portal.base_url}/eleve/{f['fiche_hugo']}/fiche/responsable/modifier",
                                       data=late_form, timeout=30)
        late_text = text_of(late.text)
        assert late.status_code == 503 and (UNAVAILABLE in late_text or OUTCOME_UNKNOWN in late_text), late_text[:300]
        assert "transmises à l'établissement" not in late_text and "Traceback" not in late.text
        up_at = time.monotonic()
        node.start()
        back = wait_until(lambda: next((s[0] for s in load.steps if s[0] > up_at and s[1] == "deconnexion"), None),
                        "a whole session after the restart", timeout=240)
        wait_until(lambda: sum(1 for s in load.steps if s[0] > back and s[1] == "deconnexion") >= 4,
                 "sessions after the restart", timeout=120)
    finally:
        load.stop()

    during = load.between(down_at, up_at)
    # While it was down: a clear page, never an error page or a dropped connection.
    bad = [step for step in during if not (step[3] or step[4])]
    assert during and not bad, bad
    assert load.errors == []
    # Once back, every session goes through.
    assert load.failures(since=back) == []
    # Nothing was restarted.
    assert {name: proc.popen.pid for name, proc in cluster.processes.items() if proc.running} == pids
    assert _ready(cluster.processes["gateway"].health_port) == 200
    wait_until(lambda: _ready(cluster.processes["notes"].health_port) == 200, "notes ready again")

    # The mail requests were kept across the restart (a quorum queue counts
    # its messages again once it has recovered its log, not at once)...
    wait_until(lambda: _queue_messages(node, MAIL_QUEUE) == queued, "the mail requests kept", timeout=60)
    # ... and are delivered once the mailer is back, each exactly once.
    before = CaughtMail(portal.mail_dir).count()
    mailer.start().wait_ready()
    caught = CaughtMail(portal.mail_dir)
    wait_until(lambda: caught.count() >= before + queued, "the mails delivered", timeout=60)
    wait_until(lambda: _queue_messages(node, MAIL_QUEUE) == 0, "the mailer's queue drained")
    mailbox = f["site"].mailbox
    for address in addresses.values():
        assert len(mailbox(to=address)) == 1, address
    receipts = [m for m in mailbox(to="claire.lycee@example.org") if "accusé de réception" in m["subject"]]
    assert len(receipts) == 1 and "Hugo MARTIN" in receipts[0]["subject"]

    # The owners kept what was sent before the restart, as the families read it.
    fiche = text_of(f["philippe"].get(f"/eleve/{f['fiche_hugo']}/fiche/").text)
    assert champ(f["philippe"].get(f"/eleve/{f['fiche_hugo']}/fiche/").text, "tel_portable").startswith(
        "Non renseigné En attente 06 98 76 54 32"), fiche[:500]
    if UNAVAILABLE in late_text:  # "rien n'a été enregistré": and indeed nothing was
        assert "06 11 22 33 55" not in f["philippe"].get(f"/eleve/{f['fiche_hugo']}/fiche/responsable").text
    enrolled = text_of(f["claire"].get(f"/eleve/{f['hugo']}/inscription/").text)
    assert "L'inscription est terminée" in enrolled, enrolled[:500]
    justified = f["claire"].get(f"/eleve/{f['lea']}/vie-scolaire/")
    assert "Justification en attente" in text_of(justified.text), text_of(justified.text)[:500]
