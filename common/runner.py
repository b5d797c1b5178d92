"""Run one service as its own process: `python -m common.runner accounts`.

Eventlet patching comes first, before anything else is imported; only service
processes use eventlet (the gateway never does).

Eventlet's own DNS resolver (greendns, built on dnspython) is left out: it is
about 8 MB resident in every service process (docs/performance.md, issue 19),
for a few names looked up when a connection opens (the broker's, Redis's, the
SMTP server's). The system's resolver answers them instead, in a native thread
so that the hub keeps running (`_resolve_off_hub`); an address given as digits
needs no thread.

Eventlet's blocking fallback alone (EVENTLET_NO_GREENDNS without this) would
stop the whole process for as long as the system's resolver takes (seconds when
a DNS server does not answer). The pool is the one accounts hashes passwords in
(services/accounts/passwords.py): 20 native threads, some of them at nice 10
after a hash; a lookup waits behind hashes only when all 20 are busy, and names
are looked up only when a connection opens (broker, Redis, SMTP), never per
request.
"""
import os

os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from common import metrics  # noqa: E402
from common.health import WorkerMetrics, start_health_server  # noqa: E402
from common.messaging import CallContext  # noqa: E402
from common.logs import setup_logging  # noqa: E402
from common.settings import ServiceSettings  # noqa: E402

log = logging.getLogger("scolarite")
# What `stopping` receives when the container ended by itself (a signal sends its number).
DIED = "died"


def _resolve_off_hub() -> None:
    """Without greendns, eventlet's green socket module calls the system's
    blocking getaddrinfo: it now runs in eventlet's thread pool, unless the
    host is already an address."""
    import socket

    from eventlet import tpool
    from eventlet.green import socket as green_socket

    if green_socket.getaddrinfo is not socket.getaddrinfo or getattr(socket.getaddrinfo, "off_hub", False):
        return  # greendns is in use (EVENTLET_NO_GREENDNS set otherwise), or done already
    blocking = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        try:
            return blocking(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            return tpool.execute(blocking, host, port, family, type, proto, flags)

    getaddrinfo.off_hub = True
    socket.getaddrinfo = green_socket.getaddrinfo = getaddrinfo


_resolve_off_hub()


def load_service_class(name: str):
    """`accounts` -> services.accounts.service's class named `accounts`; a dotted
    `module:Class` is also accepted (tests run small services of their own)."""
    if ":" in name:
        module_name, class_name = name.split(":")
        return getattr(importlib.import_module(module_name), class_name)
    module = importlib.import_module(f"services.{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name and value.__module__ == module.__name__:
            return value
    raise SystemExit(f"no service named {name!r} in {module.__name__}")


def main(argv: list[str]) -> int:
    cls = load_service_class(argv[0])
    # The process's settings, read once and checked (common/settings.py): a
    # wrong value stops it here, saying which.
    settings = ServiceSettings.from_env(cls.name, getattr(cls, "settings_class", None))
    setup_logging(process=cls.name, level=settings.log_level, log_format=settings.log_format)
    metrics.set_process(cls.name)
    # Every worker of every service takes its correlation id and idempotency
    # key from its call's headers (common.messaging.CallContext).
    cls.call_context = CallContext()
    # ... and is timed, by entrypoint and outcome (common/metrics.py).
    cls.worker_metrics = WorkerMetrics()
    config = settings.nameko_config()
    runner = ServiceRunner(config)
    runner.add_service(cls)
    stopping = eventlet.event.Event()

    def _stop(signum, _frame):
        if not stopping.ready():
            stopping.send(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.start()
    health = start_health_server(runner, cls.name, config, settings.health_port)
    logging.getLogger("scolarite").info("service %s ready", cls.name)
    print(f"{cls.name}: ready", flush=True)

    def _container_ended():
        # Its container stops only when told to, or killed by an error in
        # Nameko's machinery: then the process must end too, not stay up
        # without consumers, so that its supervisor (make run, Kubernetes)
        # starts it again.
        try:
            runner.wait()
        except Exception:
            if stopping.ready():  # told to stop: what follows is the stop's
                return
            log.critical("%s: its container stopped on an error; the process ends, to be started again",
                         cls.name, exc_info=True)
        else:
            if stopping.ready():
                return
            log.critical("%s: its container stopped; the process ends, to be started again", cls.name)
        stopping.send(DIED)

    waiter = eventlet.spawn(_container_ended)
    reason = stopping.wait()
    # Graceful stop: finish the workers in flight, leave unacked messages to the broker.
    with eventlet.Timeout(20, False):
        runner.stop()
    runner.kill()
    waiter.kill()
    if health is not None:
        health.stop()
    return 1 if reason == DIED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
