"""Security headers on every response the gateway sends (docs/security.md,
ASVS 4.0 V14.4).

The Content-Security-Policy allows only this site's own files: no inline
script, no inline style, no other origin, no plugin, no framing. The DSFR
pages satisfy it as they are (its script is a file; the templates carry no
inline script or style attribute); a test reads the headers from every route.
"""
from flask import request
from werkzeug.routing import IntegerConverter

from common.schemas import INTEGER_MAX

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # The DSFR's CSS draws some icons from data: URIs.
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
# A year, as browsers' preload lists ask.
HSTS = "max-age=31536000; includeSubDomains"
# The DSFR's files and ours: the same for everybody, cached by browsers.
STATIC_ENDPOINTS = {"static", "assets.dsfr"}


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond what the services accept
    (common.schemas) matches no route, so it is a 404 page, never a call."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


def register(app) -> None:
    """Before any blueprint: the converter must be in place when routes are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    https = app.config["SETTINGS"].https

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # A page may have set a stricter policy of its own (links with a
        # secret token: no-referrer) or a looser one (the development mail
        # viewer's preview): it is kept.
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if https or request.is_secure:
            headers["Strict-Transport-Security"] = HSTS
        if request.endpoint not in STATIC_ENDPOINTS:
            # Every page names the person logged in (header, menus), and
            # many show a child's data or a letter's password: nothing of it
            # stays in a browser's or a proxy's cache.
            headers["Cache-Control"] = "no-store"
        return response
