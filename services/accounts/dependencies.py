"""The accounts service's own dependency providers."""
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider

from common.settings import service_settings
from services.accounts import passwords


class AfterReply(DependencyProvider):
    """`self.after_reply(function, *args)` runs the call once the worker's
    reply has gone to the caller (Nameko sends it before the worker's
    teardown). The self-help requests hand their second step over this way:
    were the event published before the reply, its handler could start in this
    same process (SQLite's calls do not yield) and delay the answer by the
    work of the path with an account, which the answer must not show."""

    def setup(self):
        self.pending = WeakKeyDictionary()

    def get_dependency(self, worker_ctx):
        calls = self.pending[worker_ctx] = []
        return lambda function, *args: calls.append((function, args))

    def worker_teardown(self, worker_ctx):
        for function, args in self.pending.pop(worker_ctx, ()):
            function(*args)


class HashThreads(DependencyProvider):
    """Gives the Argon2 threads the niceness the process's settings name
    (SCOLARITE_HASH_NICENESS), and the hashing its cost (light only under
    the test suite, SCOLARITE_TEST_LIGHT_HASH), once, when the service starts."""

    def setup(self):
        own = service_settings(self.container).own
        passwords.set_niceness(own.hash_niceness)
        passwords.set_cost(own.light_test_hash)
