"""Behind a reverse proxy the gateway counts each family's address, not the
proxy's, and only when told how many proxies to trust."""
from flask import request

from gateway.app import create_app


def app_seeing_addresses(monkeypatch, tmp_path, proxies):
    monkeypatch.setenv("SCOLARITE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SCOLARITE_SECRET_KEY", "cle-de-test")
    if proxies is not None:
        monkeypatch.setenv("SCOLARITE_TRUSTED_PROXIES", str(proxies))
    app = create_app()
    app.add_url_rule("/_adresse", "adresse", lambda: f"{request.remote_addr} {request.scheme}")
    return app.test_client()


def test_behind_one_trusted_proxy_the_client_address_is_the_familys(monkeypatch, tmp_path):
    client = app_seeing_addresses(monkeypatch, tmp_path, 1)
    page = client.get("/_adresse", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
                      environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert page.text == "203.0.113.7 https"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(monkeypatch, tmp_path):
    client = app_seeing_addresses(monkeypatch, tmp_path, None)
    page = client.get("/_adresse", headers={"X-Forwarded-For": "203.0.113.7"},
                      environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert page.text == "198.51.100.9 http"
