"""gunicorn entry point: `gunicorn gateway.wsgi:app` (without --preload: RPC
clients are opened per thread after the fork).

`--logger-class gateway.wsgi.AccessLogger` (tools/cluster.py passes it, with
common.logs.ACCESS_LOG_FORMAT) keeps secret tokens out of the access log and ends each
line with the request's correlation id, the one every process's lines for
that request carry (common/logs.py)."""
import re
import uuid

from gunicorn.glogging import Logger

from common.logs import correlation_id, json_formatter, mask_secrets, setup_logging
from gateway.app import create_app

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# The JSON access line's fields (`AccessLogger.access`), each from the gunicorn
# atom named; the method goes into the message only.
_JSON_FIELDS = {"method": "m", "path": "U", "query": "q", "status": "s", "bytes": "B", "duration_ms": "M",
                "client": "h", "correlation_id": "{x-request-id}o"}


class AccessLogger(Logger):
    """Masks the tokens of confirmation and reset links wherever they appear in
    an access line: the request line, the path, the referrer."""

    def atoms(self, resp, req, environ, request_time):
        """gunicorn's atoms, those the line writes masked: every header of the
        request and of the answer is an atom, and masking them all cost more
        than the rest of the line (docs/performance.md)."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in self.logged_atoms:
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = mask_secrets(value)
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        self.json = app.config["SETTINGS"].log_format == "json"
        # The atoms the line writes: the format's (gunicorn looks headers up
        # in lower case), or the JSON object's fields (`access`).
        self.logged_atoms = (set(_JSON_FIELDS.values()) if self.json else
                             {k.lower() if k.startswith("{") else k
                              for k in re.findall(r"%\(([^)]+)\)", cfg.access_log_format)})
        if self.json:
            for logger in (self.error_log, self.access_log):
                for handler in logger.handlers:
                    handler.setFormatter(json_formatter("gateway"))

    def access(self, resp, req, environ, request_time):
        """In JSON (production), one object per request with its fields,
        the correlation id among them; otherwise gunicorn's line."""
        if not self.json:
            return super().access(resp, req, environ, request_time)
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {name: atoms.get(atom) for name, atom in _JSON_FIELDS.items()}
        fields.update(query=fields["query"] or None, correlation_id=fields["correlation_id"] or "-")
        self.access_log.info("%s %s", fields.pop("method"), fields["path"], extra=fields)


class CorrelationMiddleware:
    """The request's correlation id for every line the gateway logs while
    handling it: a proxy's `X-Request-Id` if it looks like one (nothing
    arbitrary goes into the logs), a new one otherwise, which the app then
    sends with its RPC calls and returns in its `X-Request-Id` header."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        environ["HTTP_X_REQUEST_ID"] = request_id
        token = correlation_id.set(request_id)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            correlation_id.reset(token)


app = create_app()
setup_logging(level=app.config["SETTINGS"].log_level, log_format=app.config["SETTINGS"].log_format)
app.wsgi_app = CorrelationMiddleware(app.wsgi_app)
