"""Prometheus metrics every process exposes (docs/operations.md, "Métriques").

| metric | kind | labels | who records it |
| --- | --- | --- | --- |
| `scolarite_http_requests_total` | counter | route, method, status | gateway, per request |
| `scolarite_http_request_seconds` | histogram | route, method | gateway, per request |
| `scolarite_rpc_client_seconds` | histogram | service, method, outcome | any caller (gateway, a service calling another): time from sending to the answer or the give-up |
| `scolarite_worker_seconds` | histogram | service, entrypoint, outcome | each service, per worker (RPC call, event, timer) |
| `scolarite_failures_total` | counter | process, kind | unexpected errors: a worker's error, an RPC call unanswered or refused, a gateway page in error |
| `scolarite_mail_outbox_depth` / `scolarite_mail_outbox_oldest_seconds` | gauges | | the mailer, read from its outbox at each scrape (common/table_gauges.py) |
| `scolarite_mail_kept_depth` / `scolarite_mail_kept_oldest_seconds` | gauges | | each service that mails, read from its `mail_outbox` table at each scrape (common/mail_outbox.py, common/table_gauges.py) |

`outcome` is `ok`, `refused` (a typed error the caller handles: wrong
password, invalid form), `unavailable` (sent, and no answer in time),
`not_sent` (never sent: the service not deployed, known down, or the broker
unreachable) or `error`. Routes are Flask endpoints and methods
are RPC method names: the label values are bounded, never a child's id.

The gateway runs several gunicorn workers: its metrics are written under
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, set up by
gateway/gunicorn_conf.py) and summed at each scrape.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter("scolarite_http_requests_total", "Gateway requests answered",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("scolarite_http_request_seconds", "Gateway request latency", ["route", "method"],
                         buckets=LATENCY_BUCKETS)
RPC_CLIENT_SECONDS = Histogram("scolarite_rpc_client_seconds", "RPC latency seen by the caller",
                               ["service", "method", "outcome"], buckets=LATENCY_BUCKETS)
WORKER_SECONDS = Histogram("scolarite_worker_seconds", "Service worker duration",
                           ["service", "entrypoint", "outcome"], buckets=LATENCY_BUCKETS)
FAILURES = Counter("scolarite_failures_total", "Unexpected failures", ["process", "kind"])


# This process's name in `scolarite_failures_total` (a service's name, or "gateway").
process_name = "-"


def set_process(name: str) -> None:
    global process_name
    process_name = name


def outcome_of(exc: BaseException | None) -> str:
    """ok; refused (a typed error the caller handles); not_sent (the request
    never went out: not deployed, known down, broker unreachable); unavailable
    (sent, or not known to be, and unanswered); error (anything else)."""
    if exc is None:
        return "ok"
    from contract.errors import ServiceError, Unavailable

    if isinstance(exc, ServiceError):
        return "refused"
    if isinstance(exc, Unavailable):
        return "not_sent" if exc.sent is False else "unavailable"
    return "error"


def failure(kind: str) -> None:
    FAILURES.labels(process_name, kind).inc()


def exposition(registry: CollectorRegistry | None = None, multiprocess_dir: str | None = None) -> tuple[bytes, str]:
    """The text a scrape gets: this process's metrics, or, in multiprocess
    mode (the gateway, `multiprocess_dir` from its settings), every worker's summed."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

    if registry is None:
        if multiprocess_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
