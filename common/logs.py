"""Logs an operator can follow: one correlation id on every line a request
causes, in every process it touches, and no secret in any of them.

- The gateway takes a request id (its `X-Request-Id`, or a new one) and sends
  it with every RPC call as the `correlation_id` header; a service's worker
  sets it for its own lines (common.messaging.CallContext), and Nameko copies
  it into the headers of every event and call the worker makes, so the
  mailer's lines for that request's mail carry it too. Lines outside any
  request or call show `-`.
- Expected refusals (a typed ServiceError: wrong password, invalid form,
  expired link) are one line, without the traceback Nameko attaches.
- Links that carry a secret token are masked wherever they are logged
  (`mask_secrets`): the gateway's access log and any message.
"""
import logging
import re
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# The gateway's paths whose last segment is a secret (confirmation and reset
# links, first-login links): kept in one place for the access log and messages.
_SECRET_PATH = re.compile(r"(/(?:confirmation|mot-de-passe-oublie)/)[^/?#\s\"']+")
# Tokens as the services hand them out (secrets.token_urlsafe), after a key
# that names them, in any message.
_SECRET_FIELD = re.compile(r"(['\"]?(?:token|password|mot_de_passe|new_password|secret)['\"]?\s*[:=]\s*['\"]?)"
                           r"[^'\"\s,}&]+", re.IGNORECASE)
MASK = "[masqué]"


def mask_secrets(text: str) -> str:
    return _SECRET_FIELD.sub(lambda m: m.group(1) + MASK, _SECRET_PATH.sub(lambda m: m.group(1) + MASK, text))


class ContextFilter(logging.Filter):
    """Adds `correlation_id` to every record (the current request's, unless
    the line names its own: `extra={"correlation_id": ...}`) and masks
    secrets in its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = getattr(record, "correlation_id", None) or correlation_id.get() or "-"
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class ExpectedRefusalFilter(logging.Filter):
    """Nameko logs a typed error a caller handles ("(expected) error handling
    worker") with its traceback: for a wrong password that is noise. One line
    says which call refused what."""

    def filter(self, record: logging.LogRecord) -> bool:
        from contract.errors import ServiceError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ServiceError):
            worker = record.args[0] if isinstance(record.args, tuple) and record.args else None
            entrypoint = getattr(worker, "entrypoint", None)
            where = (f"{entrypoint.container.service_name}.{entrypoint.method_name}" if entrypoint is not None
                     else record.name)
            record.msg, record.args = "refused: %s %s: %s", (where, type(exc).__name__, exc)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s %(message)s"
# The gateway's access log (gunicorn's atoms): its default without the user
# agent, then the request's correlation id (gateway/wsgi.py masks the tokens).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" %(M)sms [%({x-request-id}o)s]'


def json_formatter(process: str | None = None) -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, the correlation
    id, the process (a service's name, or gateway) and, for an error, its
    traceback (python-json-logger)."""
    from pythonjsonlogger.json import JsonFormatter

    static = {"process": process} if process else {}
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z", static_fields=static, json_ensure_ascii=False)


def setup_logging(process: str | None = None, level: str = "INFO", log_format: str = "text") -> None:
    """Text lines for a person (`make run`), JSON lines in production
    (SCOLARITE_LOG_FORMAT and SCOLARITE_LOG_LEVEL, read into the process's settings)."""
    logging.basicConfig(level=level, format=FORMAT)
    use_json = log_format == "json"
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if use_json:
            handler.setFormatter(json_formatter(process))
    # Eventlet and kombu are chatty at INFO; their warnings still show.
    for noisy in ("kombu", "amqp", "nameko"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Nameko logs a worker's errors on this logger (warning for expected ones).
    containers = logging.getLogger("nameko.containers")
    if not any(isinstance(f, ExpectedRefusalFilter) for f in containers.filters):
        containers.addFilter(ExpectedRefusalFilter())
