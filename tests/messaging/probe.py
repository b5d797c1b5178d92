"""Small services for the messaging tests, run as real processes:
`python -m common.runner tests.messaging.probe:ProbeService`
(tests/messaging/conftest.py starts them).

They use the platform's own delivery settings (common.messaging) and database
provider (common.db), and leave journals under SCOLARITE_VAR_DIR so that a test
can tell whether a request or an event was handled, and when.
"""
import os
import time

import eventlet
import psycopg2.extensions
from nameko.extensions import DependencyProvider
from sqlalchemy import text

from common import db as common_db
from common.config import var_dir
from common.db import Database
from common.messaging import rpc, work_dispatcher, work_handler
from common.rpc_client import ServiceRpc

if os.environ.get("PROBE_BLOCKING_PSYCOPG2") == "1":
    # The tests' counter-proof: psycopg2 as it is without a green wait
    # callback. Two things install one: eventlet.monkey_patch() in the runner
    # (its `psycopg` patch is on by default) and common.db.make_green()
    # (psycogreen). Undo the first, and make common.db believe the second is done.
    psycopg2.extensions.set_wait_callback(None)
    common_db._green_patched = True


def journal(name: str):
    return var_dir() / f"{name}.journal"


def append(name: str, line: str) -> None:
    with open(journal(name), "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


class OwnContainer(DependencyProvider):
    """The worker's own container, for `ProbeService.die`."""

    def get_dependency(self, worker_ctx):
        return self.container


class ProbeService:
    name = "msg_probe"

    jobs = work_dispatcher()
    own_container = OwnContainer()

    @rpc
    def echo(self, value):
        return value

    @rpc
    def record(self, tag):
        """Leaves a trace that this request ran (an expired one never does)."""
        append("probe-calls", tag)
        return tag

    @rpc
    def slow(self, seconds):
        time.sleep(seconds)  # green: the runner monkey-patches time
        return seconds

    @rpc
    def die(self):
        """Its container killed with an error just after answering, as an
        error raised in Nameko's own machinery (not in a service method) does."""
        eventlet.spawn_after(0.2, self.own_container.kill, (RuntimeError, RuntimeError("probe: container killed"), None))
        return "adieu"

    @rpc
    def unserializable(self):
        return object()

    @rpc
    def dispatch_job(self, token):
        self.jobs("job", {"token": token})
        return token


class ProbeWorker:
    name = "msg_worker"

    # A service calling another through the platform's client (common.rpc_client.ServiceRpc).
    probe = ServiceRpc("msg_probe", timeout=1)

    @rpc
    def ask_slow(self, seconds):
        """Asks msg_probe.slow; says how it ended instead of raising."""
        try:
            return {"answer": self.probe.slow(seconds=seconds)}
        except Exception as exc:  # reported to the test, by design
            return {"error": type(exc).__name__}

    @work_handler("msg_probe", "job")
    def handle_job(self, payload):
        append("probe-jobs", payload["token"])


class ProbeDb:
    name = "msg_db"

    db = Database()

    @rpc
    def sleep(self, seconds):
        """Holds a PostgreSQL query for `seconds`; the instants come from the
        server, before and after the sleep of this very statement."""
        started, _, ended = self.db.execute(
            text("SELECT clock_timestamp(), pg_sleep(:s), clock_timestamp()"), {"s": seconds}).one()
        self.db.commit()
        return {
            "started": started.timestamp(),
            "ended": ended.timestamp(),
            "wait_callback": getattr(psycopg2.extensions.get_wait_callback(), "__module__", None),
        }
