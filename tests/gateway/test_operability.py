"""The gateway's health, readiness and metrics (gateway/operability.py), as
an orchestrator and Prometheus read them."""
import json
import logging

from common.logs import ContextFilter, correlation_id, json_formatter


def _sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample of the Prometheus text exposition."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        label_text = line[len(name) + 1:line.index("}")]
        found = dict(part.split("=", 1) for part in label_text.split(","))
        if all(found.get(k) == f'"{v}"' for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_liveness_answers_and_readiness_reports_the_unreachable_broker_but_stays_ready(make_app):
    """Without its broker the gateway still serves the "momentanément
    indisponible" pages that keep what families typed: it stays in the Service
    (a 503 here would hand families to the Ingress's bare error page)."""
    client = make_app().test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    # make_app points the gateway at a port where no broker listens.
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["problems"][0].startswith("broker:")


def test_requests_are_counted_and_timed_per_route_and_status(make_app, fake_rpc):
    fake_rpc.answers[("accounts", "login_message")] = {"message": ""}  # the login page's welcome text
    client = make_app().test_client()
    before = _sample(client.get("/metrics").text, "scolarite_http_requests_total",
                     route="auth.login", method="GET", status="200") or 0
    for _ in range(3):
        assert client.get("/connexion").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    text = client.get("/metrics").text
    assert _sample(text, "scolarite_http_requests_total", route="auth.login", method="GET", status="200") == before + 3
    assert _sample(text, "scolarite_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert _sample(text, "scolarite_http_request_seconds_count", route="auth.login", method="GET") >= 3
    # The probes themselves are not counted as pages.
    assert _sample(text, "scolarite_http_requests_total", route="operability.prometheus", method="GET",
                   status="200") is None


def test_json_log_lines_carry_the_correlation_id_and_the_process():
    record = logging.LogRecord("scolarite", logging.INFO, __file__, 1, "courriel envoyé à %s", ("p.martin",), None)
    token = correlation_id.set("c0ffee42")
    try:
        ContextFilter().filter(record)
    finally:
        correlation_id.reset(token)
    line = json_formatter("mailer").format(record)
    data = json.loads(line)
    assert "\n" not in line
    assert data["correlation_id"] == "c0ffee42"
    assert data["process"] == "mailer"
    assert data["message"] == "courriel envoyé à p.martin"
    assert data["level"] == "INFO" and data["logger"] == "scolarite"


def test_readiness_and_metrics_answer_only_on_the_internal_port(make_app):
    """With SCOLARITE_INTERNAL_PORT (the image, Kubernetes, compose), /readyz and
    /metrics answer on that port only: through the Ingress, families reach the
    public port, where both are the ordinary 404 page; /healthz answers on both."""
    client = make_app(INTERNAL_PORT=9100).test_client()
    public, internal = "http://scolarite.ac-test.fr:8000", "http://10.0.0.7:9100"
    for path in ("/metrics", "/readyz"):
        refused = client.get(path, base_url=public)
        assert refused.status_code == 404, path
        assert "scolarite_" not in refused.text and "broker" not in refused.text
    assert client.get("/metrics", base_url=internal).status_code == 200
    assert "scolarite_http_requests_total" in client.get("/metrics", base_url=internal).text
    assert client.get("/readyz", base_url=internal).get_json()["service"] == "gateway"  # answered
    assert client.get("/healthz", base_url=public).status_code == 200
    assert client.get("/healthz", base_url=internal).status_code == 200


def test_forwarded_headers_do_not_open_the_internal_paths(make_app, monkeypatch):
    """Behind the Ingress, ProxyFix trusts X-Forwarded-Host, which a family may
    set to the internal port: the port that counts is the socket's."""
    monkeypatch.setenv("SCOLARITE_TRUSTED_PROXIES", "1")
    client = make_app(INTERNAL_PORT=9100).test_client()
    forged = {"X-Forwarded-Host": "scolarite.ac-test.fr:9100", "X-Forwarded-Port": "9100",
              "Host": "scolarite.ac-test.fr:9100"}
    assert client.get("/metrics", base_url="http://scolarite.ac-test.fr:8000", headers=forged).status_code == 404
    assert client.get("/metrics", base_url="http://10.0.0.7:9100").status_code == 200


def test_the_internal_port_comes_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SCOLARITE_INTERNAL_PORT", "9100")
    client = make_app().test_client()
    assert client.get("/metrics", base_url="http://localhost:8000").status_code == 404
    assert client.get("/metrics", base_url="http://localhost:9100").status_code == 200
