"""What each service process of the platform gives Prometheus on its health
port (common/health.py, docs/operations.md "Métriques"), as an operator's
scrape reads it: a service that mails says how many of its mail requests wait
to be handed to the mailer, and the mailer how many messages wait to be sent."""
import re

import requests


def scrape(platform, service: str) -> dict:
    text = requests.get(f"http://127.0.0.1:{platform.cluster.processes[service].health_port}/metrics", timeout=10).text
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(scolarite_mail_\w+) (\S+)$", text, re.M)}


def test_each_service_that_mails_reports_its_kept_requests_and_the_mailer_its_outbox(platform):
    for service in ("accounts", "lsl"):
        gauges = scrape(platform, service)
        assert set(gauges) == {"scolarite_mail_kept_depth", "scolarite_mail_kept_oldest_seconds"}, service
        assert gauges["scolarite_mail_kept_depth"] >= 0
    # Notes sends no mail; the mailer's own queue is its outbox.
    assert scrape(platform, "notes") == {}
    assert {"scolarite_mail_outbox_depth", "scolarite_mail_outbox_oldest_seconds",
            "scolarite_mail_outbox_failed"} <= set(scrape(platform, "mailer"))
