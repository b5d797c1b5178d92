"""The gateway's answers to the orchestrator and to Prometheus
(docs/operations.md, "Health, metrics, logs"):

- `/healthz` (liveness): this worker answers; on every port;
- `/readyz` (readiness): the rate-limit store answers (503 with the reason
  otherwise). A broker it cannot reach is reported (`degraded`) but keeps the
  worker ready: during a broker outage the gateway itself must answer families
  with its "momentanément indisponible" pages and keep what they typed; taken
  out of the Service, the Ingress would answer its own bare 503 instead;
- `/metrics`: every worker's metrics, summed (common/metrics.py).

`/readyz` and `/metrics` are for the cluster's network, not for families:
with `SCOLARITE_INTERNAL_PORT` set (the image, Kubernetes, compose), gunicorn
binds that port beside the public one and these two answer only on it, 404 on
the public port, whatever the Host or X-Forwarded-* headers say (the port is
the listening socket's, read before ProxyFix). The Service and the Ingress
expose only the public port. Unset (`make run`, the tests' clusters), they
answer on every port.

Each request is counted and timed by route (its Flask endpoint: a bounded set
of names, never a child's id) and status; a 5xx is counted as a failure.
"""
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from common import metrics
from gateway import rpc
from gateway.extensions import limiter

bp = Blueprint("operability", __name__)

# Set by InternalPortMiddleware; a client cannot send it (headers become HTTP_*).
INTERNAL = "scolarite.internal_port"


class InternalPortMiddleware:
    """Marks each request that came in on the internal port (or every request
    when there is none), from the listening socket's port gunicorn gives as
    SERVER_PORT, before anything rewrites it."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app, self.config = wsgi_app, config

    def __call__(self, environ, start_response):
        port = self.config.get("INTERNAL_PORT")
        environ[INTERNAL] = port is None or environ.get("SERVER_PORT") == str(port)
        return self.wsgi_app(environ, start_response)


def _internal_only() -> None:
    if not request.environ.get(INTERNAL, False):
        abort(404)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok", service="gateway")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    _internal_only()
    problems, degraded = [], []
    try:
        rpc.client().ensure_connected()
    except Exception as exc:  # reported with its kind; the pages say the services are unavailable
        degraded.append(f"broker: {exc.__class__.__name__}")
    storage = limiter.storage if current_app.config.get("RATELIMIT_ENABLED", True) else None
    if storage is not None and not storage.check():
        problems.append("rate-limit store: unreachable")
    if problems:
        return jsonify(status="not ready", service="gateway", problems=problems + degraded), 503
    if degraded:
        return jsonify(status="degraded", service="gateway", problems=degraded)
    return jsonify(status="ready", service="gateway")


@bp.get("/metrics")
@limiter.exempt
def prometheus():
    _internal_only()
    body, content_type = metrics.exposition(multiprocess_dir=current_app.config.get("METRICS_DIR"))
    return Response(body, content_type=content_type)


OWN_ENDPOINTS = {"operability.healthz", "operability.readyz", "operability.prometheus"}


def register(app) -> None:
    metrics.set_process("gateway")
    app.register_blueprint(bp)

    @app.before_request
    def _timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        if started is not None and endpoint not in OWN_ENDPOINTS:
            metrics.HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            metrics.HTTP_SECONDS.labels(endpoint, request.method).observe(time.perf_counter() - started)
            if response.status_code >= 500:
                metrics.failure("http_5xx")
        return response
