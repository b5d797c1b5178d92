"""Gateway tests without a broker: the RPC layer is replaced by FakeRpc, which
answers from a table and records every call, and the service watch (menu cache,
liveness) is a real ServiceWatch whose listener is not started."""
import pytest

from common.deployment import deployed_services
from gateway import composition
from gateway.app import create_app
from gateway.menus import ServiceWatch


class FakeRpc:
    """Stands for common.rpc_client.RpcClient: `answers[(service, method)]` is
    a value, an exception to raise, or a function of the call's keyword
    arguments. A service not in `deployed` raises NotDeployed, as the real
    client does."""

    def __init__(self):
        self.answers = {}
        self.calls = []
        self.keyed = []  # (service, method, idempotency key) of each call that had one, in order

    def _answer(self, service, method, kwargs):
        self.calls.append((service, method, kwargs))
        try:
            answer = self.answers[(service, method)]
        except KeyError:
            raise AssertionError(f"unexpected call {service}.{method}({kwargs})") from None
        if isinstance(answer, BaseException):
            raise answer
        return answer(**kwargs) if callable(answer) else answer

    def call(self, service, method, context=None, idempotency_key=None, timeout=None, **kwargs):
        if idempotency_key is not None:
            self.keyed.append((service, method, idempotency_key))
        return self._answer(service, method, kwargs)

    def call_async(self, service, method, timeout=None, context=None, idempotency_key=None, **kwargs):
        try:
            return ("value", self._answer(service, method, kwargs))
        except Exception as exc:
            return ("error", exc)

    def result(self, pending):
        kind, value = pending
        if kind == "error":
            raise value
        return value

    def gather(self, pendings):
        return [value for _, value in pendings]

    def keys(self, service, method):
        """The idempotency keys this method was called with, in order."""
        return [key for s, m, key in self.keyed if (s, m) == (service, method)]

    def called(self, service, method):
        return [kwargs for s, m, kwargs in self.calls if (s, m) == (service, method)]


@pytest.fixture
def fake_rpc(monkeypatch):
    fake = FakeRpc()
    monkeypatch.setattr("gateway.rpc.client", lambda: fake)
    return fake


@pytest.fixture
def watch(monkeypatch):
    w = ServiceWatch("amqp://guest:guest@127.0.0.1:1/", [], alive_within=15)
    monkeypatch.setattr(composition, "watch", lambda: w)
    return w


@pytest.fixture
def make_app(monkeypatch, tmp_path):
    """create_app with the deployed services given (default: the repository's
    deploy file), no broker, CSRF off (a test client posts forms)."""
    monkeypatch.setenv("SCOLARITE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SCOLARITE_SECRET_KEY", "cle-de-test")

    def make(services=None, **config):
        services = services if services is not None else deployed_services()
        overrides = {"DEPLOYED_SERVICES": services,
                     "FEATURE_SERVICES": {n: s for n, s in services.items() if n != "mailer"},
                     "AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "WTF_CSRF_ENABLED": False,
                     "RATELIMIT_ENABLED": False, **config}
        return create_app(overrides)

    return make
