"""The mailer's outbox as Prometheus reads it (services/mailer/metrics.py):
how many messages wait, how long the oldest has waited, how many were given up."""
from datetime import datetime, timedelta, timezone

from services.mailer import outbox
from services.mailer.metrics import outbox_backlog
from services.mailer.models import OutboxMessage

FROM = "ne-pas-repondre@scolarite.localhost"
CONTEXT = {"prenom": "Philippe", "nom": "MARTIN", "identifiant": "pmartin1",
           "lien": "https://scolarite.example/confirmation-courriel/abc", "valide_jusqu_au": "2027-03-01"}


def _queue(session, request_id, now):
    request = {"request_id": request_id, "kind": "confirmation_adresse", "to": f"{request_id}@example.org",
               "context": CONTEXT}
    outbox.write(session, [outbox.prepare(request, "accounts", now, FROM)])
    session.commit()


def test_depth_and_age_of_the_waiting_messages(mailer_db):
    t0 = datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc)
    assert outbox_backlog(mailer_db, t0) == (0, 0.0, 0)
    _queue(mailer_db, "premier", t0)
    _queue(mailer_db, "second", t0 + timedelta(minutes=2))
    assert outbox_backlog(mailer_db, t0 + timedelta(minutes=5)) == (2, 300.0, 0)

    first = mailer_db.query(OutboxMessage).filter_by(request_id="premier").one()
    first.status = "sent"
    second = mailer_db.query(OutboxMessage).filter_by(request_id="second").one()
    second.status = "failed"
    mailer_db.commit()
    # Sent and given-up messages no longer wait; the given-up one is counted apart.
    assert outbox_backlog(mailer_db, t0 + timedelta(minutes=5)) == (0, 0.0, 1)
