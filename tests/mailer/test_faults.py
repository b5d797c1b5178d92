"""The mailer's promises under faults, with real processes as `make run`
starts them: two mailer instances, the real SMTP catcher, RabbitMQ and the
database of each backend, and a stand-in service dispatching `mail_requested`
work events as a real one does (tests/mailer/requester.py)."""
import os
import signal
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from common.clock import Clock
from sqlalchemy import select

from common.db import new_session, upgrade
from common.errors import NotFound
from common.mail import mail_request
from services.mailer.models import SENT, OutboxMessage
from services.mailer.outbox import CLAIM_LEASE
from tests.fixtures import free_port
from tests.mailer.requester import SERVICE as REQUESTER
from tools.cluster import Cluster
from tools.mailcatcher import Mailbox


class MailCluster:
    def __init__(self, vhosts, databases, backend, tmp, env=None):
        url = self.url = databases.new(backend, "mailer")
        upgrade("mailer", url)
        self.clock = Clock(str(tmp / "clock.json"))
        self.clock.set_offset(0)
        self.amqp_uri = vhosts.new(f"mailer-{backend}-{uuid.uuid4().hex[:4]}")
        env = {"AMQP_URI": self.amqp_uri, "MAILER_DATABASE_URL": url, "SCOLARITE_VAR_DIR": str(tmp / "var"),
               "SCOLARITE_CLOCK_FILE": str(tmp / "clock.json"), "SCOLARITE_SMTP_PORT": str(free_port()),
               "SCOLARITE_MAIL_CATCHER_DIR": str(tmp / "mail"), "SCOLARITE_MAILER_POLL_SECONDS": "0.1",
               "SCOLARITE_SMTP_TIMEOUT": "5", "SCOLARITE_SMTP_CONNECTIONS": "2", **(env or {})}
        self.cluster = Cluster(env, tmp / "logs")
        self.catcher = self.cluster.mailcatcher()
        self.mailers = [self.cluster.service("mailer"), self.cluster.service("mailer", 2)]
        self.cluster.service(REQUESTER, service_name="inscription")
        self.mailbox = Mailbox(tmp / "mail")
        self.logs = tmp / "logs"

    def rpc(self):
        from common.rpc_client import RpcClient

        return RpcClient(self.amqp_uri, timeout=30, client_name="test")

    def request(self, requests, per_event=1, correlation_id=None):
        """Dispatched as durable work events by the stand-in service, in a
        call that carries `correlation_id` (as the gateway's calls do)."""
        rpc = self.rpc()
        try:
            rpc.call("inscription", "request", messages=requests, per_event=per_event,
                     context={"correlation_id": correlation_id} if correlation_id else None)
        finally:
            rpc.close()

    def statuses(self, requests) -> list[dict]:
        rpc = self.rpc()
        try:
            return rpc.call("mailer", "status", request_ids=[r["request_id"] for r in requests])
        finally:
            rpc.close()

    def all_in(self, requests, statuses) -> bool:
        """Whether every one of these requests is recorded, in one of `statuses`."""
        try:
            return all(e["status"] in statuses for e in self.statuses(requests))
        except NotFound:
            return False

    def arrived_since(self, instant: float) -> int:
        """How many messages the catcher kept since `instant` (time.time()):
        cheap, it only lists the files, named after their arrival."""
        return sum(1 for name in self.mailbox.ids() if int(name.split("-")[0]) / 1e9 > instant)

    def received(self, label) -> Counter:
        """How many times each address of this test received a message."""
        return Counter(str(m["To"]) for m in self.mailbox.messages() if f".{label}@" in str(m["To"]))

    def accepted(self, label) -> dict[str, list[float]]:
        """When the catcher accepted each message of this test (time.time()
        of each copy, per address): it stores a message, then answers 250."""
        found = {}
        for message_id in self.mailbox.ids():
            message = self.mailbox.message(message_id)
            if f".{label}@" in str(message["To"]):
                found.setdefault(str(message["To"]), []).append(int(message_id.split("-")[0]) / 1e9)
        return found

    def marked_sent(self, label) -> set[str]:
        """The addresses whose message the outbox records as sent, read from its database."""
        session = new_session(self.url)
        try:
            return set(session.scalars(select(OutboxMessage.recipient).where(
                OutboxMessage.recipient.like(f"%.{label}@%"), OutboxMessage.status == SENT)))
        finally:
            session.close()
            session.get_bind().dispose()

    def wait(self, condition, timeout=40, what="condition"):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not met after {timeout} s; see {self.logs}")
            time.sleep(0.1)

    def waiting(self, label) -> int:
        """How many messages of this test the outbox still has to try (queued
        or deferred): only those can be claimed, so only those can be sent."""
        rpc = self.rpc()
        try:
            return sum(rpc.call("mailer", "outbox_page", query={
                "all_etablissements": True, "recipient": f".{label}@", "status": status, "per_page": 1})["total"]
                for status in ("queued", "deferred"))
        finally:
            rpc.close()

    def wait_received(self, label, count, timeout=40):
        """What arrived once `count` messages did and the outbox has none of
        this test left to try: a duplicate sent by then is counted."""
        self.wait(lambda: sum(self.received(label).values()) >= count, timeout, f"{count} messages for {label}")
        self.wait(lambda: self.waiting(label) == 0, timeout, f"every message for {label} settled")
        return self.received(label)


def stop(processes):
    """Stopped together: each takes a couple of seconds to stop gracefully."""
    threads = [threading.Thread(target=proc.stop) for proc in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def kill_together(processes) -> float:
    """SIGKILL to every process at once; returns the instant it was sent."""
    instant = time.time()
    for proc in processes:
        os.killpg(proc.popen.pid, signal.SIGKILL)
    for proc in processes:
        proc.popen.wait()
    return instant


def restart(processes):
    for proc in processes:
        proc.start()
    for proc in processes:
        proc.wait_ready()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mail_cluster(request, vhosts, databases, tmp_path_factory):
    site = MailCluster(vhosts, databases, request.param, tmp_path_factory.mktemp(f"mailer-{request.param}"))
    site.cluster.start_all()
    yield site
    stop(site.cluster.processes.values())


def requests_for(label, count):
    return [mail_request("inscription_accuse_reception", f"parent{i}.{label}@example.org", {
        "prenom": "Nadia", "nom": "BERNARD", "eleve_prenom": "Inès", "eleve_nom": "BERNARD",
        "lycee_nom": "LYCÉE MARGUERITE DE FLANDRE", "date_inscription": "2026-06-30T10:00:00+00:00"})
        for i in range(count)]


def expected(label, count):
    return Counter({f"parent{i}.{label}@example.org": 1 for i in range(count)})


def test_two_instances_share_the_work_and_never_send_a_message_twice(mail_cluster):
    requests = requests_for("pair", 300)
    mail_cluster.request(requests, per_event=5)
    assert mail_cluster.wait_received("pair", 300) == expected("pair", 300)
    senders = [proc for proc in mail_cluster.mailers if " sent, " in proc.log_path.read_text()]
    assert len(senders) == 2, "both instances should have sent some of the messages"


def test_a_redelivered_event_is_recorded_and_sent_once(mail_cluster):
    requests = requests_for("again", 5)
    mail_cluster.request(requests, per_event=5)
    mail_cluster.request(requests, per_event=5)  # the same event, with the same ids, once more
    assert mail_cluster.wait_received("again", 5) == expected("again", 5)


def test_messages_requested_while_the_mailer_is_stopped_are_delivered_once_when_it_starts(mail_cluster):
    stop(mail_cluster.mailers)
    requests = requests_for("stopped", 40)
    mail_cluster.request(requests)  # durable events wait in the mailer's queue
    assert mail_cluster.received("stopped") == Counter()
    restart(mail_cluster.mailers)
    assert mail_cluster.wait_received("stopped", 40) == expected("stopped", 40)


def test_a_mailer_killed_in_the_middle_of_a_batch_loses_nothing_and_sends_nothing_twice(mail_cluster):
    mail_cluster.mailbox.answer(delay_seconds=0.3)  # a slow server: the batch takes a while
    try:
        requests = requests_for("killed", 20)
        started = time.time()
        mail_cluster.request(requests, per_event=20)  # one batch, sent by one instance over one connection
        mail_cluster.wait(lambda: mail_cluster.arrived_since(started) >= 3, what="three messages stored")
        # The next message the server receives is held long: it is handed over
        # only once the previous one was answered and marked sent, so the kill
        # falls while the server has not answered it.
        mail_cluster.mailbox.answer(delay_seconds=30)
        mail_cluster.wait(lambda: mail_cluster.mailbox.holding() == 30, what="a message held")
        for proc in mail_cluster.mailers:
            proc.kill()
    finally:
        mail_cluster.mailbox.answer()
    assert 3 <= sum(mail_cluster.received("killed").values()) < 20
    restart(mail_cluster.mailers)
    # The dead instance's claim expires; an instance sends the rest.
    mail_cluster.clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    assert mail_cluster.wait_received("killed", 20) == expected("killed", 20), mail_cluster.statuses(requests)


# The longest a mailer may take, on a busy test machine, between the SMTP
# server's acceptance of a message and the statement that records it
# (docs/mailer.md, "What exactly once means here"). A message accepted earlier
# than this before a kill is recorded as sent and never sent again.
MARK_WINDOW = 0.25


@pytest.mark.parametrize("run, after", [(1, 6), (2, 12), (3, 18)])
def test_a_mailer_killed_at_any_moment_has_recorded_what_the_server_accepted(mail_cluster, run, after):
    # The server answers each message after 50 ms, so that a batch has a
    # history longer than the window when the kill falls, anywhere in a
    # message's exchange.
    label = f"anytime{run}"
    requests = requests_for(label, 40)
    mail_cluster.mailbox.answer(delay_seconds=0.05)
    try:
        started = time.time()
        mail_cluster.request(requests, per_event=40)
        mail_cluster.wait(lambda: mail_cluster.arrived_since(started) >= after, what=f"{after} messages stored")
        killed_at = kill_together(mail_cluster.mailers)
    finally:
        mail_cluster.mailbox.answer()
    accepted = mail_cluster.accepted(label)
    marked = mail_cluster.marked_sent(label)
    in_window = {to for to, instants in accepted.items() if min(instants) > killed_at - MARK_WINDOW}
    unrecorded = set(accepted) - marked - in_window
    restart(mail_cluster.mailers)  # first, so that a failure here leaves the next test a running mailer
    assert not unrecorded, f"accepted more than {MARK_WINDOW} s before the kill, not recorded: {unrecorded}"

    mail_cluster.clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    received = mail_cluster.wait_received(label, 40)
    assert set(received) == set(expected(label, 40))  # none lost
    twice = {to for to, count in received.items() if count > 1}
    # Only a message accepted in the last instant before the kill, and not yet
    # recorded, can come twice; at most one per SMTP connection.
    assert twice <= (in_window - marked), f"sent twice outside the window: {twice - (in_window - marked)}"
    assert len(twice) <= 2 * len(mail_cluster.mailers)
    for to in twice:  # recognisable: every copy carries the same Message-ID
        copies = [m for m in mail_cluster.mailbox.messages() if str(m["To"]) == to]
        assert len({m["Message-ID"] for m in copies}) == 1


def test_while_the_smtp_server_is_down_messages_are_deferred_then_delivered(mail_cluster):
    mail_cluster.catcher.stop()
    try:
        requests = requests_for("down", 6)
        mail_cluster.request(requests, per_event=3)
        mail_cluster.wait(lambda: mail_cluster.all_in(requests, ("deferred",)), what="every message deferred")
        entry = mail_cluster.statuses(requests)[0]
        assert "serveur SMTP injoignable" in entry["last_error"] and entry["next_attempt_at"]
    finally:
        mail_cluster.catcher.start()
        mail_cluster.catcher.wait_ready()
    assert mail_cluster.received("down") == Counter()  # nothing before the next attempt is due
    mail_cluster.clock.advance(timedelta(minutes=1, seconds=1))
    assert mail_cluster.wait_received("down", 6) == expected("down", 6)
    assert {e["status"] for e in mail_cluster.statuses(requests)} == {"sent"}


def test_a_permanent_refusal_is_failed_with_the_reason_and_never_retried(mail_cluster):
    requests = requests_for("refused", 2)
    mail_cluster.mailbox.answer(recipients={requests[0]["to"]: "550"})
    try:
        mail_cluster.request(requests, per_event=2)
        mail_cluster.wait(lambda: mail_cluster.all_in(requests, ("sent", "failed")), what="both messages settled")
    finally:
        mail_cluster.mailbox.answer()
    refused, accepted = mail_cluster.statuses(requests)
    assert (refused["status"], refused["last_error"]) == ("failed", "550 5.1.1 Mailbox unavailable (mail catcher)")
    assert accepted["status"] == "sent"
    mail_cluster.clock.advance(timedelta(hours=3))
    # A message requested now is sent by a delivery pass that sees the new
    # time; the refused one stays failed, tried once, received by nobody.
    later = requests_for("after-refusal", 1)
    mail_cluster.request(later)
    mail_cluster.wait(lambda: mail_cluster.all_in(later, ("sent",)), what="a later message sent")
    refused = mail_cluster.statuses(requests)[0]
    assert (refused["status"], refused["attempts"]) == ("failed", 1)
    assert mail_cluster.received("refused") == Counter({requests[1]["to"]: 1})
