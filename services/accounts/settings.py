"""The accounts service's own settings (docs/configuration.md, "Services"),
read once at start with the process's (common/settings.py)."""
from dataclasses import dataclass

from common.settings import Env


@dataclass(frozen=True)
class AccountsSettings:
    # The portal's address as families type it: links in mails, letters.
    public_url: str
    # How often the daily jobs (the purge) look whether today's run is done.
    jobs_check_seconds: float
    # The niceness of the threads that run Argon2 (services/accounts/passwords.py).
    hash_niceness: int
    # The test suite's light Argon2id (services/accounts/passwords.py, `set_cost`).
    light_test_hash: bool

    @classmethod
    def from_env(cls, env: Env) -> "AccountsSettings":
        return cls(
            public_url=env.text("SCOLARITE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            jobs_check_seconds=env.number("SCOLARITE_JOBS_CHECK_SECONDS", 600.0, minimum=0.1),
            hash_niceness=env.integer("SCOLARITE_HASH_NICENESS", 10, minimum=0),
            light_test_hash=env.flag("SCOLARITE_TEST_LIGHT_HASH"),
        )
