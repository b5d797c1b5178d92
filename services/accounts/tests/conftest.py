"""The accounts service's unit tests: the service's own methods through
nameko's worker_factory, on a real database (SQLite and PostgreSQL), the
view-cache counters in the real Redis and the injectable clock; the mailer's
work events are kept in a list to read back."""
import uuid
from datetime import timedelta

import pytest
import redis
from nameko.testing.services import worker_factory

from common.settings import defaults

from services.accounts.service import AccountsService
from services.accounts.view_generations import Generations
from tests.fixtures import REDIS
from tests.helpers import family_payload, letters_by_name


class SentMails(list):
    """Stands in for the work-event dispatcher: what was handed to the mailer."""

    def __call__(self, event_type, payload):
        assert event_type == "mail_requested"
        self.extend(payload["messages"])

    def to(self, address: str) -> list[dict]:
        return [m for m in self if m["to"] == address]

    def last(self, address: str, kind: str | None = None) -> dict:
        found = [m for m in self.to(address) if kind is None or m["kind"] == kind]
        assert found, f"no mail to {address} ({kind}); sent: {[(m['kind'], m['to']) for m in self]}"
        return found[-1]


def link_token(mail: dict) -> str:
    return mail["context"]["lien"].rsplit("/", 1)[1]


class OwnWorkEvents(list):
    """Stands in for the broker carrying the service's `recovery_requested`
    events back to itself: each is kept, then handed to the handler at once,
    unless `deliver` is off."""

    def __init__(self, service):
        super().__init__()
        self.service, self.deliver = service, True

    def __call__(self, event_type, payload):
        assert event_type == "recovery_requested"
        self.append(payload)
        if self.deliver:
            self.service.on_recovery_requested(payload)


@pytest.fixture
def service(accounts_db, clock):
    mails = SentMails()
    # What waits for the reply runs at once: the test is the caller.
    # The view-cache counters in the Redis the tests run, under a prefix of this test's own.
    views = Generations(redis.Redis.from_url(f"redis://{REDIS}/0"), f"test-{uuid.uuid4().hex[:12]}")
    svc = worker_factory(AccountsService, db=accounts_db, clock=clock, mail_events=mails, views=views,
                         after_reply=lambda function, *args: function(*args), settings=defaults(AccountsService))
    svc.recovery_events = OwnWorkEvents(svc)
    svc.mails = mails
    return svc


@pytest.fixture
def family(service):
    """The MARTIN/DURAND establishment with its letters, as the school prints them."""
    service.import_siecle(payload=family_payload())
    return letters_by_name(service.issue_letters(uai="0590001A"))


def activate(service, letter, birth, password="soleil2026", email=None):
    """A first connection; returns the new session token."""
    token = service.login(identifiant=letter["identifiant"], password=letter["password"])["token"]
    form = {"date_naissance": birth, "new_password": password, "new_password_confirm": password}
    if email:
        form.update(email=email, email_confirm=email)
    return service.first_connection(token=token, form=form)["token"]


def confirmed_guardian(service, letter, birth, email, password="soleil2026"):
    """A guardian past the first connection who followed the confirmation link."""
    token = activate(service, letter, birth, password, email)
    service.confirm_email(token=link_token(service.mails.last(email, "confirmation_adresse")))
    return token


SECOND = timedelta(seconds=1)
