"""`python -m bench.deployment` (in `make bench`): the portal deployed as on
one machine (deploy/local/cluster.py), one table, each figure a ratio to a
baseline measured in the same run, every load bounded in requests and time,
on loopback.

1. Notes throughput, 1 then 2 instances: `notes.subjects` for one student
   (what the grades page asks), WINDOW calls kept in flight by one client,
   N calls; baseline: 1 instance.
2. Mailer throughput, 1 then 2 instances: N mail requests handed to a
   requesting service as durable work events (bench/mailer.py's measure),
   until the local SMTP catcher kept the last; baseline: 1 instance.
3. Families' evening (log in, home, grades, log out) against PostgreSQL
   with 2 instances of accounts and notes; baseline: the same on SQLite with one instance each.
   The evening-peak benchmark's machinery (bench/evening_peak.py,
   `peak_rate`) gives the highest rate held: RATES sessions per second
   offered open loop in turn, SECONDS each, until one is not held (a
   session failed or their p95 over 1 s). Bounded: at most
   sum(rates) × seconds sessions per deployment (6 rates × 5 s by default:
   210 sessions, about 40 s with the warm-up).

Parts 1 and 2 run on PostgreSQL; the second instance is added to the running
deployment, so both figures come from the same databases and broker.

Usage: python -m bench.deployment [--calls 2000] [--messages 1000] [--rates 2,4,6,8,10,12] [--seconds 5]
                                  [--guardians 60]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import evening_peak
from bench.mailer import mailer_rate
from common.rpc_client import RpcClient
from tests.faults.support import PASSWORD, deployment, school_with_grades, start
from tests.fixtures import VirtualHosts
from tests.mailer.requester import SERVICE as REQUESTER
from tools.mailcatcher import Mailbox

WINDOW = 16


def notes_rate(amqp_uri: str, child: dict, calls: int, window: int = WINDOW) -> float:
    """calls per second, `window` in flight at any time, every answer checked."""
    client = RpcClient(amqp_uri, timeout=60, client_name="bench")
    try:
        client.call("notes", "subjects", child=child, since=None)  # connection and caches
        started = time.perf_counter()
        in_flight, sent = [], 0
        while sent < calls or in_flight:
            while sent < calls and len(in_flight) < window:
                in_flight.append(client.call_async("notes", "subjects", child=child, since=None))
                sent += 1
            done = in_flight.pop(0)
            assert client.result(done) is not None
        return calls / (time.perf_counter() - started)
    finally:
        client.close()


def peak_rate(d, rates: list[float], seconds: float, guardians: int) -> float | None:
    """The evening's figure for deployment `d`: bench/evening_peak.py's
    highest rate held (open loop, rising rates, no session failed and the
    sessions' p95 under 1 s), on `guardians` families with grades published
    (in establishments of evening_peak.PER_ETABLISSEMENT), in turn."""
    rpc = RpcClient(d.amqp_uri, timeout=300, client_name="bench")
    try:
        idents = evening_peak.prepare_on(rpc, d.database_url("accounts"), d.clock, guardians)
    finally:
        rpc.close()
    families = evening_peak.Families(idents)
    evening_peak.warm_up(d.port, families)
    held, _summary, _table = evening_peak.peak_rate(d.port, families, rates, seconds)
    return held


def hugo_child(d, school) -> dict:
    client = RpcClient(d.amqp_uri, timeout=30, client_name="bench")
    try:
        token = client.call("accounts", "login", identifiant=school.hugo, password=PASSWORD)["token"]
        account = client.call("accounts", "get_session", token=token)
    finally:
        client.close()
    viewer = account
    child = next(c for c in viewer["children"] if c["eleve_id"] == school.hugo_id)
    return {"eleve_id": child["eleve_id"], "etablissement_uai": child["etablissement_uai"],
            "viewer_account_id": account["id"], "viewer_role": account["role"],
            "eleve_majeur": child["eleve_majeur"]}


def _rate(value: float | None) -> str:
    return "none held" if value is None else f"{value:.1f}"


SERVICES = {"accounts": {"required": True}, "mailer": {"required": True}, "notes": {"label": "Notes", "order": 20}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rates", default="2,4,6,8,10,12", help="evening: offered sessions per second, rising")
    parser.add_argument("--seconds", type=float, default=5, help="evening: each rate's duration")
    parser.add_argument("--guardians", type=int, default=60, help="evening: families of 3 children")
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    vhosts = VirtualHosts()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            # PostgreSQL: 1 instance of each, then a second one of accounts, notes and mailer.
            pg = deployment(tmp / "pg", SERVICES, vhosts.new("bench-deploy-pg"),
                            env={"SCOLARITE_LOG_LEVEL": "WARNING"}, mailcatcher=False)
            try:
                pg.prepare()
                pg.build().service(REQUESTER, service_name="inscription")
                start(pg)
                school = school_with_grades(pg, tmp / "pg")
                child = hugo_child(pg, school)
                mailbox = Mailbox(pg.mail_dir)
                rpc = RpcClient(pg.amqp_uri, timeout=120, client_name="bench")
                mailer_rate(rpc, 100, 1, mailbox, "warmup")
                notes_1 = notes_rate(pg.amqp_uri, child, args.calls)
                mail_1 = mailer_rate(rpc, args.messages, 1, mailbox, "one")
                print(f"  1 instance:  notes {notes_1:.0f} calls/s, mailer {mail_1:.0f} msg/s", flush=True)
                for name in ("accounts", "notes", "mailer"):
                    pg.cluster.service(name, 2)
                pg.cluster.start_all()
                notes_2 = notes_rate(pg.amqp_uri, child, args.calls)
                mail_2 = mailer_rate(rpc, args.messages, 1, mailbox, "two")
                print(f"  2 instances: notes {notes_2:.0f} calls/s, mailer {mail_2:.0f} msg/s", flush=True)
                rpc.close()
                print("  evening, PostgreSQL, 2 × accounts and notes:", flush=True)
                evening_pg = peak_rate(pg, rates, args.seconds, args.guardians)
            finally:
                pg.stop()
                pg.drop_databases()
            rows += [("notes.subjects, calls/s", "1 instance", notes_1, "2 instances", notes_2),
                     ("mailer, messages/s (1 per event)", "1 instance", mail_1, "2 instances", mail_2)]

            # SQLite, one instance of each: the evening's baseline.
            lite = deployment(tmp / "sqlite", SERVICES, vhosts.new("bench-deploy-sqlite"),
                              env={"SCOLARITE_LOG_LEVEL": "WARNING"}, postgres=None, mailcatcher=False)
            try:
                start(lite)
                print("  evening, SQLite, 1 × each:", flush=True)
                evening_lite = peak_rate(lite, rates, args.seconds, args.guardians)
            finally:
                lite.stop()
            rows.append(("evening, highest rate held, sessions/s", "SQLite, 1 each", evening_lite,
                         "PostgreSQL, 2 × accounts+notes", evening_pg))
    finally:
        vhosts.cleanup()

    print()
    print(f"Deployment benchmark (loopback, {args.calls} calls, {args.messages} messages, "
          f"evening rates {args.rates} × {args.seconds:g} s)")
    print(f"| measure | baseline | rate | compared | rate | ratio |")
    print(f"| --- | --- | ---: | --- | ---: | ---: |")
    for what, base_label, base, label, value in rows:
        ratio = f"{value / base:.2f}" if base and value else "n/a"
        print(f"| {what} | {base_label} | {_rate(base)} | {label} | {_rate(value)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
