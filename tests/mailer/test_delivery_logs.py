"""The mailer's delivery lines, read as a log collector reads them (JSON,
SCOLARITE_LOG_FORMAT=json): each message delivered, deferred or failed has a
line of its own under the correlation id of the request that asked for it,
not the sending timer's (issue 10, item 9)."""
import json
import uuid

import pytest

from tests.helpers import wait_until
from tests.mailer.test_faults import MailCluster, requests_for, stop


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def json_cluster(request, vhosts, databases, tmp_path_factory):
    site = MailCluster(vhosts, databases, request.param, tmp_path_factory.mktemp(f"mail-logs-{request.param}"),
                       env={"SCOLARITE_LOG_FORMAT": "json"})
    site.cluster.start_all()
    yield site
    stop(site.cluster.processes.values())


def mailer_lines(cluster) -> list[dict]:
    lines = []
    for mailer in cluster.mailers:
        for line in mailer.log_path.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    return lines


def test_each_mail_line_carries_the_correlation_id_of_the_request_that_asked_for_it(json_cluster):
    label = uuid.uuid4().hex[:6]
    asked = {f"demande-{name}-{label}": requests_for(f"{name}{label}", 3) for name in ("a", "b")}
    refused = requests_for(f"c{label}", 1)
    json_cluster.mailbox.answer(recipients={refused[0]["to"]: "550"})
    try:
        for correlation_id, requests in asked.items():
            json_cluster.request(requests, per_event=3, correlation_id=correlation_id)
        json_cluster.request(refused, correlation_id=f"demande-c-{label}")
        for name in ("a", "b"):
            json_cluster.wait_received(f"{name}{label}", 3)
        json_cluster.wait(lambda: json_cluster.all_in(refused, ("failed",)), what="the refused message failed")
    finally:
        json_cluster.mailbox.answer()

    # A line is written just after its message's record, and the batch's
    # summary after the batch: both may follow the outbox's state by a moment.
    expected = {request["request_id"] for requests in [*asked.values(), refused] for request in requests}

    def written():
        lines = mailer_lines(json_cluster)
        delivery = {line["message"].split()[1]: line for line in lines
                    if line["logger"] == "scolarite.mailer" and line["message"].startswith("mail ")}
        summaries = any(" sent, " in line["message"] for line in lines)
        return (lines, delivery) if expected <= delivery.keys() and summaries else None

    lines, delivery = wait_until(written, "a line for each message and the batch's summary")
    for correlation_id, requests in asked.items():
        for request in requests:
            line = delivery[request["request_id"]]
            assert line["correlation_id"] == correlation_id, line
            assert line["process"] == "mailer" and line["level"] == "INFO"
            assert "inscription_accuse_reception) sent" in line["message"]
            # No address in the line.
            assert request["to"] not in json.dumps(line)
    failed = delivery[refused[0]["request_id"]]
    assert failed["correlation_id"] == f"demande-c-{label}" and failed["level"] == "WARNING"
    assert "failed after 1 attempt(s): 550" in failed["message"]
    # The batch's summary is the timer's, under an id of its own.
    batches = [line for line in lines if " sent, " in line["message"]]
    assert batches and not any(line["correlation_id"].startswith("demande-") for line in batches)
