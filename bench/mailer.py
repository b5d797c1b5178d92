"""`make bench-mailer`: messages through the mailer, end to end, against a raw
smtplib loop to the same SMTP server, in the same run.

On a RabbitMQ virtual host of its own, the mail catcher, one mailer and a
stand-in requesting service (tests/mailer/requester.py, dispatching
`mail_requested` work events exactly as a real service does) run as `make run`
runs them. Then, in turn:

- raw: one smtplib connection sends N messages, already built, to the catcher;
- mailer: N requests are handed to the requesting service (4 calls in
  parallel), which dispatches them as durable, confirmed work events (one
  message per event, then 100 per event); the clock stops when the catcher has
  kept the last one.

The three runs are repeated in rounds, so that a machine busy with something
else slows all of them alike. Prints each rate (the median of the rounds) in
messages per second and the mailer's ratio to the raw rate in the same round
(target: at least 0.5). The time counted for the
mailer covers everything after the request: the events through RabbitMQ, the
outbox write, rendering, the claim, SMTP, and marking each message sent.

Usage: python -m bench.mailer [--messages 2000] [--rounds 3] [--backend sqlite|postgresql]
"""
import argparse
import os
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from common.db import upgrade
from common.mail import mail_request
from common.rpc_client import RpcClient
from services.mailer.rendering import render
from services.mailer.smtp import build_message
from tests.fixtures import Databases, VirtualHosts, free_port
from tests.mailer.requester import SERVICE as REQUESTER
from tools.cluster import Cluster
from tools.mailcatcher import Mailbox

TARGET = 0.5
CONTEXT = {"prenom": "Philippe", "nom": "MARTIN", "identifiant": "pmartin1",
           "lien": "https://scolarite.example/confirmation-courriel/{}", "valide_jusqu_au": "2027-03-01"}


def requests_for(count: int, label: str) -> list[dict]:
    return [mail_request("confirmation_adresse", f"parent{i}.{label}@example.org",
                         {**CONTEXT, "lien": CONTEXT["lien"].format(uuid.uuid4().hex)},
                         to_name="Philippe MARTIN", etablissement_uai="0599001A") for i in range(count)]


def last_arrival(mailbox: Mailbox, count: int, timeout: float) -> float:
    """The instant (time.time()) the catcher kept its `count`-th message: the
    catcher names each file after the nanosecond it stored it."""
    deadline = time.monotonic() + timeout
    while True:
        # A bare listing (not `mailbox.ids()`, which builds and sorts a path per
        # file, 3 ms at 2,000 files): this loop runs beside the processes it
        # measures, on the same cores.
        names = [name for name in os.listdir(mailbox.directory) if name.endswith(".eml")]
        if len(names) >= count:
            return max(int(name.split("-")[0]) for name in names) / 1e9
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(names)} of {count} messages arrived in {timeout} s")
        time.sleep(0.05)


def raw_rate(port: int, count: int, mailbox: Mailbox) -> float:
    """One smtplib connection, messages already built (the same template, sizes and headers)."""
    now = datetime.now(timezone.utc)
    datas = []
    for i, request in enumerate(requests_for(count, "raw")):
        rendered = render(request["kind"], request["context"])
        datas.append((request["to"], build_message(
            from_address="ne-pas-repondre@scolarite.localhost", from_name="Scolarité services", reply_to=None,
            to=request["to"], to_name=request["to_name"], subject=rendered.subject, text=rendered.text,
            html=rendered.html, message_id=f"<raw{i}@scolarite.localhost>", date=now)))
    mailbox.clear()
    smtp = smtplib.SMTP("127.0.0.1", port)
    started = time.time()
    for to, data in datas:
        smtp.sendmail("ne-pas-repondre@scolarite.localhost", [to], data)
    elapsed = time.time() - started
    smtp.quit()
    assert mailbox.count() == count
    return count / elapsed


def mailer_rate(rpc: RpcClient, count: int, per_event: int, mailbox: Mailbox, label: str) -> float:
    requests = requests_for(count, label)
    mailbox.clear()
    callers = 4
    started = time.time()
    pendings = [rpc.call_async("inscription", "request", messages=requests[i::callers], per_event=per_event,
                               timeout=300) for i in range(callers)]
    rpc.gather(pendings)
    finished = last_arrival(mailbox, count, timeout=300)
    return count / (finished - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    vhosts = VirtualHosts()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        amqp = vhosts.new("bench-mailer")
        databases = Databases(tmp)
        url = databases.new(args.backend, "bench_mailer")
        port = free_port()
        try:
            upgrade("mailer", url)
            env = {"AMQP_URI": amqp, "MAILER_DATABASE_URL": url, "SCOLARITE_VAR_DIR": str(tmp / "var"),
                   "SCOLARITE_CLOCK_FILE": str(tmp / "clock.json"), "SCOLARITE_SMTP_PORT": str(port),
                   "SCOLARITE_MAIL_CATCHER_DIR": str(tmp / "mail"), "SCOLARITE_LOG_LEVEL": "WARNING"}
            cluster = Cluster(env, tmp / "logs")
            cluster.mailcatcher()
            cluster.service("mailer")
            cluster.service(REQUESTER, service_name="inscription")
            cluster.start_all()
            mailbox = Mailbox(tmp / "mail")
            rpc = RpcClient(amqp, timeout=60, client_name="bench")
            try:
                mailer_rate(rpc, 200, 10, mailbox, "warmup")  # connections, caches, the outbox's first pages
                print(f"Mailer benchmark: {args.messages} messages per run, {args.backend} outbox, "
                      f"{args.rounds} rounds (raw, then 1 message/event, then 100 messages/event)", flush=True)
                rates = {"raw": [], "single": [], "batched": []}
                for round_number in range(1, args.rounds + 1):
                    rates["raw"].append(raw_rate(port, args.messages, mailbox))
                    rates["single"].append(mailer_rate(rpc, args.messages, 1, mailbox, f"single{round_number}"))
                    rates["batched"].append(mailer_rate(rpc, args.messages, 100, mailbox, f"batched{round_number}"))
                    print(f"  round {round_number}: raw {rates['raw'][-1]:.0f}, mailer {rates['single'][-1]:.0f} "
                          f"and {rates['batched'][-1]:.0f} msg/s", flush=True)
                raw = statistics.median(rates["raw"])
                print(f"  raw smtplib loop            {raw:8.0f} msg/s (median)")
                for key, label in (("single", "1 message/event    "), ("batched", "100 messages/event ")):
                    rate = statistics.median(rates[key])
                    ratio = statistics.median(m / r for m, r in zip(rates[key], rates["raw"]))
                    verdict = "reached" if ratio >= TARGET else "NOT reached"
                    print(f"  mailer, {label} {rate:8.0f} msg/s (median), ratio to raw {ratio:.2f} "
                          f"(median of the rounds'): target {TARGET} {verdict}")
            finally:
                rpc.close()
                cluster.stop_all()
        finally:
            databases.cleanup()
            vhosts.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
