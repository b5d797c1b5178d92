"""Mail requests kept with the change they announce (common/mail_outbox.py):
a broker unreachable right after the commit loses no mail; the relay hands it
to the mailer later, once."""
from datetime import timedelta

from nameko.standalone.events import event_dispatcher
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from common import mail_outbox
from common.mail import mail_request
from services.accounts.models import Account
from services.accounts.tests.conftest import activate, link_token

ADDRESS = "philippe.martin@example.org"


class BrokerDown:
    """The service's work events published through a real AMQP client to a
    broker that cannot be reached (nothing listens on port 1): the publish
    raises, as the service's own does when the broker is lost."""

    def __init__(self):
        self.dispatch = event_dispatcher({"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"}, retry=False)

    def __call__(self, event_type, payload):
        self.dispatch("accounts", event_type, payload)


def kept(service) -> int:
    count = service.db.scalar(select(func.count()).select_from(mail_outbox._table))
    service.db.rollback()
    return count


def scraped(service, clock) -> dict:
    """The service's kept-mail gauges as a Prometheus scrape reads them."""
    registry = CollectorRegistry()
    collector = mail_outbox.KeptMailCollector(service.db.get_bind().url.render_as_string(hide_password=False),
                                              clock.path)
    registry.register(collector)
    try:
        return {family.name: family.samples[0].value for family in registry.collect()}
    finally:
        collector.engine.dispose()


def test_a_mail_asked_while_the_broker_is_unreachable_is_handed_over_later_once(service, family, clock):
    sent = service.mails
    service.mail_events = BrokerDown()
    # The first connection is saved and answers; its confirmation mail waits.
    letter = family["Philippe MARTIN"]
    activate(service, letter, "2014-01-02", email=ADDRESS)
    account = service.db.scalar(select(Account).where(Account.identifiant == letter["identifiant"]))
    assert account.email == ADDRESS and not account.password_provisional
    assert sent.to(ADDRESS) == [] and kept(service) == 1

    # A request just kept is left to the worker that kept it; later, while the
    # broker is still unreachable, the relay tries and keeps it.
    service.relay_kept_mail()
    clock.advance(mail_outbox.GRACE + timedelta(seconds=1))
    service.relay_kept_mail()
    assert sent.to(ADDRESS) == [] and kept(service) == 1

    # Operators see it waiting (scolarite_mail_kept_*, read at each scrape).
    # The clock runs on from where the test moved it: its age is at least that move.
    waiting = scraped(service, clock)
    assert waiting["scolarite_mail_kept_depth"] == 1.0
    assert waiting["scolarite_mail_kept_oldest_seconds"] >= (mail_outbox.GRACE + timedelta(seconds=1)).total_seconds()

    service.mail_events = sent  # the broker back
    service.relay_kept_mail()
    assert [m["kind"] for m in sent.to(ADDRESS)] == ["confirmation_adresse"] and kept(service) == 0
    assert scraped(service, clock) == {"scolarite_mail_kept_depth": 0.0, "scolarite_mail_kept_oldest_seconds": 0.0}
    # Its link works, and the relay hands nothing over twice.
    service.confirm_email(token=link_token(sent.last(ADDRESS, "confirmation_adresse")))
    service.relay_kept_mail()
    assert len(sent.to(ADDRESS)) == 1


def test_a_mail_handed_over_at_once_leaves_nothing_kept(service, family):
    activate(service, family["Philippe MARTIN"], "2014-01-02", email=ADDRESS)
    assert [m["kind"] for m in service.mails.to(ADDRESS)] == ["confirmation_adresse"]
    assert kept(service) == 0


def test_a_request_asked_again_while_its_first_is_kept_is_kept_once(service, clock):
    request = mail_request("rappel_identifiant", ADDRESS, {"prenom": "Paul", "nom": "DURAND",
                                                           "identifiants": ["p.durand"]}, request_id="stable-1")
    for _ in range(2):
        mail_outbox.keep(service.db, clock.now(), request, dict(request))
        service.db.commit()
    assert kept(service) == 1
