"""Work events: an event that carries work a person is waiting for is kept by
the broker while its handling service is stopped, handled once it is back, and
never silently dropped (common/messaging.py, docs/messaging.md)."""
import json

import amqp
import pytest
from nameko.exceptions import RemoteError

from common.messaging import PERSISTENT, _Dispatcher, connection_params, notice_dispatcher, work_dispatcher
from tests.messaging.support import wait_until

WORK_QUEUE = "evt-msg_probe-job--msg_worker.handle_job"


def test_a_work_event_waits_in_its_queue_while_the_handling_service_is_stopped(broker, probes):
    probes.start("msg_probe", "msg_worker")
    client = probes.rpc()
    client.call("msg_probe", "dispatch_job", token="premier")
    wait_until(lambda: probes.journal("probe-jobs") == ["premier"], "the first job handled")

    probes.stop("msg_worker")
    assert client.call("msg_probe", "dispatch_job", token="pendant-l-arret") == "pendant-l-arret"
    queue = broker.queues()[WORK_QUEUE]
    assert (queue["durable"], queue["auto_delete"], queue["exclusive"]) == (True, False, False)
    assert (queue["messages"], queue["consumers"]) == (1, 0)

    # Kept on disk by the broker: a persistent message in a durable queue.
    conn = amqp.Connection(**connection_params(broker.amqp_uri))
    conn.connect()
    channel = conn.channel()
    message = channel.basic_get(WORK_QUEUE)
    assert message.properties["delivery_mode"] == PERSISTENT
    assert json.loads(message.body) == {"token": "pendant-l-arret"}
    channel.basic_reject(message.delivery_tag, requeue=True)
    conn.close()

    probes.start("msg_worker")
    wait_until(lambda: probes.journal("probe-jobs") == ["premier", "pendant-l-arret"], "the queued job handled")
    wait_until(lambda: broker.queues()[WORK_QUEUE]["messages"] == 0, "the job acknowledged")


def test_a_work_event_no_queue_would_keep_fails_loudly(broker, probes):
    # The handling service never started on this broker: no queue is bound yet.
    probes.start("msg_probe")
    client = probes.rpc()
    with pytest.raises(RemoteError) as raised:
        client.call("msg_probe", "dispatch_job", token="perdu")
    assert raised.value.exc_type == "UndeliverableMessage"


def test_work_and_notice_publishers_do_not_share_their_confirm_setting():
    """Nameko's publishers share one transport options dict by default, into
    which each publish writes its own `confirm_publish`."""
    work, notice = work_dispatcher(), notice_dispatcher()
    assert isinstance(work, _Dispatcher) and isinstance(notice, _Dispatcher)
    work_publisher = work.publisher_cls("amqp://", **work.options)
    notice_publisher = notice.publisher_cls("amqp://", **notice.options)
    assert work_publisher.transport_options is not notice_publisher.transport_options
    assert work_publisher.use_confirms and work_publisher.mandatory
    assert not notice_publisher.use_confirms
