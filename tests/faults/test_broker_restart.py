"""RabbitMQ restarted under load (issue 20): a broker node this module starts
itself (tools/broker_node.py, never the machine's shared one), the services
on quorum queues and PostgreSQL. While it is down, pages answer "temporairement
indisponible" (never an error page); once it is back, everything recovers
without a process being restarted, and the mail requests accepted before the
restart are all delivered."""
import time

import pytest
import requests

from common.caught_mail import CaughtMail
from tests.faults.support import (Load, deployment, family_session, school_with_grades, start, text_of,
                                  wait_for)
from tests.helpers import WebUser
from tools.broker_node import BrokerNode, available

pytestmark = pytest.mark.skipif(not available(), reason="RabbitMQ's scripts are not installed")

SERVICES = {
    "accounts": {"required": True},
    "mailer": {"required": True},
    "notes": {"label": "Notes", "order": 20},
}
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
        d.school = school_with_grades(d, tmp)
        yield d
    finally:
        d.stop()
        d.drop_databases()


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
        assert page.status_code == 200 and "Première connexion" not in text_of(page.text)
        addresses[name] = address
    wait_for(lambda: _queue_messages(node, MAIL_QUEUE) == len(GUARDIANS), "the mail requests queued")

    pids = {name: proc.popen.pid for name, proc in cluster.processes.items() if proc.running}
    load = Load(portal.base_url, school, users=2).start()
    try:
        wait_for(lambda: load.sessions_done() >= 2, "sessions under way")
        node.stop()
        down_at = time.monotonic()
        wait_for(lambda: len(load.between(down_at, time.monotonic())) >= 6, "pages asked while the broker is down")
        assert _ready(cluster.processes["gateway"].health_port) == 503
        assert _ready(cluster.processes["notes"].health_port) == 503
        up_at = time.monotonic()
        node.start()
        back = wait_for(lambda: next((s[0] for s in load.steps if s[0] > up_at and s[1] == "deconnexion"), None),
                        "a whole session after the restart", timeout=90)
        wait_for(lambda: sum(1 for s in load.steps if s[0] > back and s[1] == "deconnexion") >= 4,
                 "sessions after the restart", timeout=60)
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
    wait_for(lambda: _ready(cluster.processes["notes"].health_port) == 200, "notes ready again")

    # The mail requests were kept across the restart (a quorum queue counts
    # its messages again once it has recovered its log, not at once)...
    wait_for(lambda: _queue_messages(node, MAIL_QUEUE) == len(GUARDIANS), "the mail requests kept", timeout=60)
    # ... and are delivered once the mailer is back.
    mailer.start().wait_ready()
    caught = CaughtMail(portal.mail_dir)
    wait_for(lambda: caught.count() >= len(GUARDIANS), "the confirmation mails delivered", timeout=60)
    recipients = {str(m["To"]) for m in caught.messages()}
    assert all(any(address in r for r in recipients) for address in addresses.values()), recipients
