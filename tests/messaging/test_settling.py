"""A message a worker has finished with is acknowledged (or requeued) on the
service's broker connection. When the broker restarts at that very moment
the socket write fails with a reset or a broken pipe, which Nameko's own
guard (amqp's ConnectionError only) lets through: it killed the whole
container, and the process stayed up without consumers, "no sign of life"
for the gateway until restarted by hand (seen once in
tests/faults/test_broker_restart.py on CI). Such a failure cannot be brought
about at a chosen instant with a real broker, so the queue consumer here
fails as the socket did."""
import logging
from types import SimpleNamespace

import pytest
from nameko.events import SERVICE_POOL

from common.messaging import QueryRpcConsumer, _RouteHandler, _WorkHandler
from tests.helpers import wait_until


class ResetQueueConsumer:
    """Settles as a queue consumer whose connection the broker just reset."""

    def __init__(self):
        self.settled = []

    def ack_message(self, message):
        self.settled.append(("ack", message))
        raise ConnectionResetError(104, "Connection reset by peer")

    def requeue_message(self, message):
        self.settled.append(("requeue", message))
        raise BrokenPipeError(32, "Broken pipe")


def with_reset_connection(entrypoint):
    entrypoint.queue_consumer = ResetQueueConsumer()
    entrypoint.container = SimpleNamespace(service_name="sonde", config={})
    return entrypoint


@pytest.mark.parametrize("handler", [
    _WorkHandler("notes", "grades_published", handler_type=SERVICE_POOL, reliable_delivery=True,
                 requeue_on_error=True),
    _RouteHandler("news"),
], ids=["work", "route"])
def test_an_event_handled_while_the_broker_resets_leaves_the_service_running(handler, caplog):
    handler = with_reset_connection(handler)
    with caplog.at_level(logging.WARNING, logger="common.messaging"):
        handler.handle_message_processed("done")
        handler.handle_message_processed("failed", exc_info=(RuntimeError, RuntimeError("boom"), None))
    assert handler.queue_consumer.settled == [("ack", "done"), ("requeue", "failed")]
    assert caplog.text.count("message left unsettled, the broker connection broke") == 2


def test_a_call_answered_while_the_broker_resets_leaves_the_service_running(caplog):
    consumer = with_reset_connection(QueryRpcConsumer())
    replies = []
    consumer.replies = SimpleNamespace(send=lambda *args: replies.append(args))
    message = SimpleNamespace(properties={"content_type": "application/json", "reply_to": "rpc.reply-gateway-1",
                                          "correlation_id": "c1"})
    with caplog.at_level(logging.WARNING, logger="common.messaging"):
        assert consumer.handle_result(message, {"ok": True}, None) == ({"ok": True}, None)
    assert replies and replies[0][:2] == ("rpc.reply-gateway-1", "c1")
    assert consumer.queue_consumer.settled == [("ack", message)]
    assert "message left unsettled" in caplog.text


def test_a_service_whose_container_dies_ends_its_process_for_its_supervisor_to_restart(probes):
    """Whatever kills the container (here, the probe's own `die`), the process
    does not stay up without consumers: it ends, not with 0, saying why, so
    that `make run`'s supervisor or Kubernetes starts it again."""
    probes.start("msg_probe", "msg_worker")
    process = probes.cluster.processes["msg_probe"]
    rpc = probes.rpc()
    assert rpc.call("msg_probe", "die") == "adieu"
    code = wait_until(lambda: process.popen.poll() is not None and (process.popen.returncode,),
                      "the probe's process ended", timeout=30)[0]
    assert code != 0
    assert "msg_probe: its container stopped on an error" in probes.log("msg_probe")
    # Told to stop, a service ends with 0 and says nothing of the kind.
    worker = probes.cluster.processes["msg_worker"]
    worker.stop()
    assert worker.popen.returncode == 0
    assert "its container stopped" not in probes.log("msg_worker")
