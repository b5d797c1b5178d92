"""The gateway's access log (gateway/wsgi.py AccessLogger), in text and in
JSON: the secret of a confirmation or reset link is masked wherever the line
writes it (the request, the referrer), and the line still says the rest."""
import json
import os
import subprocess
import sys

import pytest

from common.config import ROOT

# One access line written by the gateway's logger class, as gunicorn calls it.
SCRIPT = r'''
import datetime
from gunicorn.config import Config
from common.logs import ACCESS_LOG_FORMAT
from gateway.wsgi import AccessLogger

class Response:
    status, sent = "302 FOUND", 219
    headers = [("Location", "/connexion"), ("X-Request-Id", "abcdef0123456789"),
               ("Content-Security-Policy", "default-src 'self'")]

cfg = Config()
for name, value in (("accesslog", "-"), ("access_log_format", ACCESS_LOG_FORMAT)):
    cfg.set(name, value)
environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/confirmation/Sx9-secret_42?suivant=/", "PATH_INFO":
           "/confirmation/Sx9-secret_42", "QUERY_STRING": "suivant=/", "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "192.0.2.7", "HTTP_REFERER": "https://portail.example/mot-de-passe-oublie/Rf7-secret_43"}
AccessLogger(cfg).access(Response(), [("Referer", environ["HTTP_REFERER"])], environ,
                         datetime.timedelta(milliseconds=12))
'''


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_access_line_masks_link_secrets_and_says_the_rest(tmp_path, log_format):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCOLARITE_VAR_DIR": str(tmp_path), "SCOLARITE_DEV": "1",
           "SCOLARITE_LOG_FORMAT": log_format}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "confirmation" in line]
    assert len(lines) == 1, done.stdout + done.stderr
    line = lines[0]
    assert "secret_42" not in line and "secret_43" not in line
    if log_format == "text":
        assert '"GET /confirmation/[masqué]?suivant=/ HTTP/1.1" 302 219' in line
        assert '"https://portail.example/mot-de-passe-oublie/[masqué]"' in line
        assert line.startswith("192.0.2.7 ") and line.endswith("12ms [abcdef0123456789]")
    else:
        entry = json.loads(line)
        assert entry["path"] == "/confirmation/[masqué]" and entry["status"] == "302"
        assert entry["correlation_id"] == "abcdef0123456789" and entry["duration_ms"] == 12
