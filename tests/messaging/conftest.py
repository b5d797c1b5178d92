"""The messaging tests run small services of their own (tests/messaging/probe.py)
as real processes, each test on a RabbitMQ virtual host of its own, and look at
the broker the way an operator would: with rabbitmqctl."""
import re

import pytest

from tests.fixtures import Platform
from tests.messaging.support import Broker, Probes

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True}, "notes": {"label": "Notes", "order": 20}}
# RPC timeout 3 s, re-ask 1 s, heartbeats every second, a service silent for
# 4 s known down: the fault tests wait seconds, not minutes.
FAST = {"SCOLARITE_RPC_TIMEOUT": "3", "SCOLARITE_REASK_TIMEOUT": "1", "SCOLARITE_HEARTBEAT_SECONDS": "1",
        "SCOLARITE_ALIVE_WITHIN": "4"}


@pytest.fixture
def broker(vhosts, request):
    return Broker(vhosts.new("msg-" + re.sub(r"[^a-z0-9_-]+", "-", request.node.name.lower())[:40]))


@pytest.fixture
def probes(broker, tmp_path):
    p = Probes(broker, tmp_path)
    yield p
    p.close()


@pytest.fixture(scope="module")
def portal(vhosts, databases, tmp_path_factory):
    """accounts, mailer, notes and the gateway as `make run` starts them (SQLite),
    one per test module: its tests freeze and kill them."""
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("portal"), SERVICES, env=FAST)
    p.start(SERVICES)
    yield p
    p.stop()
