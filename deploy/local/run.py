"""`make run`: the whole portal on this machine, with demo data.

    python -m deploy.local.run                 SQLite files under var/
    python -m deploy.local.run --postgres      one PostgreSQL database per service
                                               (scolarite_<service>, created if missing)
    python -m deploy.local.run --postgres postgresql://user@host:5432/postgres

Migrates each deployed service's database (deploy/local/cluster.py), starts every
deployed service as its own process and the gateway under gunicorn, creates
the demo académie on first run, prints the address to open, and stops
everything on Ctrl-C. A process that dies meanwhile is started again, after a
pause that grows if it keeps dying, and the rest of the portal keeps serving.
"""
import argparse
import os
import signal
import sys
import time

from common.clock import Clock
from common.config import amqp_uri, var_dir
from deploy.local.cluster import DEFAULT_PG_ADMIN, LocalDeployment
from tools import demo
from tools.cluster import StartError, Supervisor

PORT = int(os.environ.get("SCOLARITE_PORT", "8000"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.run", description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", nargs="?", const=os.environ.get("SCOLARITE_PG_ADMIN", DEFAULT_PG_ADMIN),
                        metavar="ADMIN_DSN", help="one PostgreSQL database per service, on this server")
    parser.add_argument("--db-prefix", default="scolarite", help="databases named <prefix>_<service>")
    args = parser.parse_args(argv)
    var = var_dir()
    os.environ.setdefault("SCOLARITE_DEV", "1")
    # The address mailed links and letters point at.
    os.environ.setdefault("SCOLARITE_PUBLIC_URL", f"http://127.0.0.1:{PORT}")
    os.environ.setdefault("SCOLARITE_CLOCK_FILE", str(var / "clock.json"))
    # The gateway's workers share their rate-limit counts (Redis, started by
    # `make run`): with memory://, each worker would count on its own.
    os.environ.setdefault("SCOLARITE_RATELIMIT_STORAGE", "redis://127.0.0.1:6379")
    # ... and the pages' session views, which accounts invalidates (gateway/view_cache.py).
    os.environ.setdefault("SCOLARITE_VIEW_CACHE", "redis://127.0.0.1:6379/0")
    clock_file = os.environ["SCOLARITE_CLOCK_FILE"]
    if not os.path.exists(clock_file):
        Clock(clock_file).set_offset(0)
    deployment = LocalDeployment(var, amqp_uri=amqp_uri(), postgres=args.postgres, db_prefix=args.db_prefix,
                                 port=PORT)
    deployment.prepare()
    # Without an SMTP server of its own, the mailer sends to the local mail
    # catcher, whose messages the gateway shows at /dev/courriels.
    cluster = deployment.build()
    catching = "mailcatcher" in cluster.processes
    stopping = False

    def _stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        cluster.start_all()
        # Once per set of databases: SQLite files, or the PostgreSQL ones.
        marker = var / ("demo-done" if not args.postgres else f"demo-done-postgres-{args.db_prefix}")
        if not marker.exists():
            sys.argv = ["demo"]
            demo.main()
            marker.write_text("ok\n")
        print()
        print(f"  Scolarité services est prêt : http://127.0.0.1:{PORT}/")
        print(f"  Comptes de démonstration : {var / 'demo-comptes.txt'}")
        if catching:
            print(f"  Courriels envoyés (serveur local) : http://127.0.0.1:{PORT}/dev/courriels")
        print(f"  Journaux : {var / 'logs'}/")
        print("  Ctrl-C pour tout arrêter.")
        print(flush=True)
        # A process that dies is started again (with a backoff); the others
        # keep serving meanwhile (tools/cluster.Supervisor).
        supervisor = Supervisor(cluster, say=lambda line: print(line, flush=True))
        while not stopping:
            supervisor.check()
            time.sleep(0.5)
    except StartError as exc:
        print(f"Démarrage impossible : {exc}", file=sys.stderr)
        return 1
    finally:
        print("Arrêt des services...")
        cluster.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
