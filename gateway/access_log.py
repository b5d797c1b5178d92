"""gunicorn's access log without the secret tokens of mailed links.

A confirmation or reset link carries its token in the path
(/confirmation/<token>, /mot-de-passe-oublie/<token>): whoever reads the log
could otherwise follow it. Every atom of the log line (request line, path,
referrer) has them replaced by [masqué]. Used by every gunicorn that runs
the gateway: `--logger-class gateway.access_log.RedactingLogger`
(tools/cluster.py, docs/operations.md).
"""
import re

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"(/(?:confirmation|mot-de-passe-oublie)/)[^/?#\s\"]+")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(r"\1[masqué]", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
