"""The gateway's application factory."""
import os
import secrets
import time
import uuid
from datetime import date
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from common import config as common_config
from common.clock import Clock
from common.deployment import deployed_services, feature_services

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def _secret_key() -> str:
    key = os.environ.get("SCOLARITE_SECRET_KEY")
    if key:
        return key
    # Development: one key per checkout, kept under var/ so sessions survive restarts.
    path = common_config.var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    https = os.environ.get("SCOLARITE_HTTPS", "0") == "1"
    app.config.update(
        SECRET_KEY=_secret_key(),
        AMQP_URI=common_config.amqp_uri(),
        RPC_TIMEOUT=common_config.rpc_timeout(),
        # A service that has not answered the menu within this many seconds is
        # shown as temporarily unavailable; the page does not wait longer.
        MENU_TIMEOUT=float(os.environ.get("SCOLARITE_MENU_TIMEOUT", "1.5")),
        # A service not heard from (heartbeat or reply) for this long is shown
        # as temporarily unavailable without being asked (3 heartbeats).
        ALIVE_WITHIN=float(os.environ.get("SCOLARITE_ALIVE_WITHIN", "15")),
        FEATURE_SERVICES=feature_services(),
        DEPLOYED_SERVICES=deployed_services(),
        DEV_MODE=os.environ.get("SCOLARITE_DEV", "0") == "1",
        SESSION_COOKIE_NAME="scolarite",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        PREFERRED_URL_SCHEME="https" if https else "http",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        # memory:// counts per gunicorn worker; redis://host:6379 shares the counts (docs/security.md).
        RATELIMIT_STORAGE_URI=os.environ.get("SCOLARITE_RATELIMIT_STORAGE", "memory://"),
        RATELIMIT_KEY_PREFIX=os.environ.get("SCOLARITE_RATELIMIT_PREFIX", "scolarite"),
        RATELIMIT_LOGIN=os.environ.get("SCOLARITE_RATELIMIT_LOGIN", "10 per minute"),
        # Forgotten identifier or password, resending a confirmation link: each may send a mail.
        RATELIMIT_RECOVERY=os.environ.get("SCOLARITE_RATELIMIT_RECOVERY", "5 per minute;20 per hour"),
        # The portal's address as families type it (letters); the accounts service reads the same variable.
        PUBLIC_URL=os.environ.get("SCOLARITE_PUBLIC_URL"),
        DSFR_DIST=Path(os.environ.get("SCOLARITE_DSFR_DIST",
                                      common_config.ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist")),
        CLOCK=Clock(),
    )
    app.config.update(overrides or {})

    # Behind N reverse proxies, the client's address and scheme come from their
    # X-Forwarded-* headers, trusted for exactly that many hops: rate limits and
    # the accounts' journal then see each family, not the proxy (docs/security.md).
    proxies = int(os.environ.get("SCOLARITE_TRUSTED_PROXIES", "0"))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=lambda: "fr")

    @app.template_filter("frdate")
    def frdate(value):
        """ISO date (as it crosses the wire) -> jj/mm/aaaa."""
        if not value:
            return ""
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")

    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _server_timing(response):
        # The server's own time for the request, for benchmarks and browsers' tools.
        if "started" in g:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    from gateway import admin, assets, auth, compte, errors, home, pages

    app.register_blueprint(assets.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(compte.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(admin.bp)
    from gateway import admin_letters, admin_staff

    app.register_blueprint(admin_letters.bp)
    app.register_blueprint(admin_staff.bp)
    from gateway import admin_notes, notes

    app.register_blueprint(notes.bp)
    app.register_blueprint(admin_notes.bp)
    from gateway import admin_bourses, bourses

    app.register_blueprint(bourses.bp)
    app.register_blueprint(admin_bourses.bp)
    from gateway import admin_mail

    app.register_blueprint(admin_mail.bp)
    if app.config["DEV_MODE"]:
        from gateway import devmail

        app.register_blueprint(devmail.bp)
    errors.register(app)
    return app
