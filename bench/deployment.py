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
3. Families' evening: sessions (log in, home, grades, log out) by USERS
   families at once, S sessions, against PostgreSQL with 2 instances of
   accounts and notes; baseline: the same on SQLite with one instance each.
   This is a simple session loop of our own: the evening-peak benchmark
   (bench/evening_peak.py, its own issue) measures the highest rate held, and
   `peak_rate` is the one place to call it from once it exists.

Parts 1 and 2 run on PostgreSQL; the second instance is added to the running
deployment, so both figures come from the same databases and broker.

Usage: python -m bench.deployment [--calls 2000] [--messages 1000] [--sessions 60] [--users 4]
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.mailer import mailer_rate
from common.rpc_client import RpcClient
from tests.faults.support import PASSWORD, deployment, family_session, school_with_grades, start
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


def session_rate(base_url: str, school, sessions: int, users: int) -> float:
    """Whole sessions per second, `users` families at once; every page checked."""
    failures, done = [], []
    lock = threading.Lock()
    todo = iter(range(sessions))

    def family():
        while True:
            with lock:
                if next(todo, None) is None:
                    return
            steps = family_session(base_url, school)
            if len(steps) != 4 or not all(step[2] for step in steps):
                failures.append(steps)
            done.append(1)

    family_session(base_url, school)  # warm-up: connections, caches
    threads = [threading.Thread(target=family) for _ in range(users)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} sessions failed, e.g. {failures[0]}")
    return len(done) / elapsed


def peak_rate(d, school, sessions: int, users: int) -> float:
    """The evening's figure for deployment `d`; today the session loop above
    (bench/evening_peak.py will give the highest rate held)."""
    return session_rate(d.base_url, school, sessions, users)


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


SERVICES = {"accounts": {"required": True}, "mailer": {"required": True}, "notes": {"label": "Notes", "order": 20}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--users", type=int, default=4)
    args = parser.parse_args(argv)
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
                evening_pg = peak_rate(pg, school, args.sessions, args.users)
                print(f"  PostgreSQL, 2 × accounts and notes: {evening_pg:.1f} sessions/s", flush=True)
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
                school = school_with_grades(lite, tmp / "sqlite")
                evening_lite = peak_rate(lite, school, args.sessions, args.users)
                print(f"  SQLite, 1 × each: {evening_lite:.1f} sessions/s", flush=True)
            finally:
                lite.stop()
            rows.append((f"evening sessions/s ({args.users} families)", "SQLite, 1 each", evening_lite,
                         "PostgreSQL, 2 × accounts+notes", evening_pg))
    finally:
        vhosts.cleanup()

    print()
    print(f"Deployment benchmark (loopback, {args.calls} calls, {args.messages} messages, "
          f"{args.sessions} sessions)")
    print(f"| measure | baseline | rate | compared | rate | ratio |")
    print(f"| --- | --- | ---: | --- | ---: | ---: |")
    for what, base_label, base, label, value in rows:
        print(f"| {what} | {base_label} | {base:.1f} | {label} | {value:.1f} | {value / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
