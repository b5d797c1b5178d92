"""The gateway's application factory: settings read once (gateway/settings.py),
the extensions, the filters, the areas and the error pages."""
import time
import uuid

from babel import Locale
from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from common.clock import Clock
from gateway import areas, assets, composition, errors, filters, forms, operability, rules, security
from gateway.extensions import babel, csrf, limiter, limiter_only_where_limits_are
from gateway.fragments import OnceExtension
from gateway.session import CookieSessions
from gateway.settings import Settings

# The pages' language, parsed once (Flask-Babel parses what the selector
# returns at every request, unless it is already a Locale).
FRENCH = Locale.parse("fr")


def create_app(overrides: dict | None = None) -> Flask:
    settings = Settings.from_env()
    app = Flask(__name__)
    app.config.update(settings.flask_config(), CLOCK=Clock(settings.clock_file))
    app.config.update(overrides or {})
    app.session_interface = CookieSessions()

    # Behind N reverse proxies, the client's address and scheme come from their
    # X-Forwarded-* headers, trusted for exactly that many hops: rate limits and
    # the accounts' journal then see each family, not the proxy (docs/security.md).
    proxies = settings.trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # Outermost, so that it reads the port the connection came in on before
    # ProxyFix rewrites SERVER_PORT from a client's X-Forwarded-Host.
    app.wsgi_app = operability.InternalPortMiddleware(app.wsgi_app, app.config)

    csrf.init_app(app)
    limiter.init_app(app)
    limiter_only_where_limits_are(app)
    babel.init_app(app, locale_selector=lambda: FRENCH)
    app.jinja_env.add_extension(OnceExtension)

    filters.register(app)
    rules.register(app)
    forms.register(app)
    composition.register(app)

    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _server_timing(response):
        # The server's own time for the request, for benchmarks and browsers' tools.
        if "started" in g:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
            if "viewer_from" in g:
                # Where the session's view came from: "cache" or "accounts" (gateway/view_cache.py).
                response.headers["Server-Timing"] += f', session;desc="{g.viewer_from}"'
            if "page_from" in g:
                # A page served as kept (gateway/kept_bodies.py kept_page).
                response.headers["Server-Timing"] += f', page;desc="{g.page_from}"'
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    security.register(app)
    operability.register(app)
    assets.register(app)
    areas.register(app)
    errors.register(app)
    return app
