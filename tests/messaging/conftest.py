"""The messaging tests run small services of their own (tests/messaging/probe.py)
as real processes, each test on a RabbitMQ virtual host of its own, and look at
the broker the way an operator would: with rabbitmqctl."""
import re

import pytest

from tests.messaging.support import Broker, Probes


@pytest.fixture
def broker(vhosts, request):
    return Broker(vhosts.new("msg-" + re.sub(r"[^a-z0-9_-]+", "-", request.node.name.lower())[:40]))


@pytest.fixture
def probes(broker, tmp_path):
    p = Probes(broker, tmp_path)
    yield p
    p.close()
