"""The gateway's answers to the orchestrator and to Prometheus
(docs/operations.md), on its own port, with the pages:

- `/healthz` (liveness): this worker answers;
- `/readyz` (readiness): this worker reaches the broker (its thread's RPC
  connection is up, or opens) and the rate-limit store answers; 503 with the
  reason otherwise;
- `/metrics`: every worker's metrics, summed (common/metrics.py).

Each request is counted and timed by route (its Flask endpoint: a bounded set
of names, never a child's id) and status; a 5xx is counted as a failure.
"""
import time

from flask import Blueprint, Response, current_app, g, jsonify, request

from common import metrics
from gateway import rpc
from gateway.extensions import limiter

bp = Blueprint("operability", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok", service="gateway")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    problems = []
    try:
        rpc.client().ensure_connected()
    except Exception as exc:  # any failure to reach the broker means "not ready", with its kind
        problems.append(f"broker: {exc.__class__.__name__}")
    storage = limiter.storage if current_app.config.get("RATELIMIT_ENABLED", True) else None
    if storage is not None and not storage.check():
        problems.append("rate-limit store: unreachable")
    if problems:
        return jsonify(status="not ready", service="gateway", problems=problems), 503
    return jsonify(status="ready", service="gateway")


@bp.get("/metrics")
@limiter.exempt
def prometheus():
    body, content_type = metrics.exposition()
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
