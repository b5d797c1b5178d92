"""Commands run once per idempotency key (common/idempotency.py), on each
database backend: the accounts service's own methods through worker_factory,
with the key set as common.messaging.CallContext sets it from a call's headers.
The calls over RabbitMQ are in test_commands_wire.py."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory

from common.settings import defaults
from sqlalchemy import func, insert, select

from contract.errors import CommandInProgress, ValidationError
from common.idempotency import RETENTION, _hash, records
from common.messaging import idempotency_key
from services.accounts import import_child
from services.accounts.models import Account
from services.accounts.service import AccountsService
from tests.helpers import family_payload

STAFF = {"role": "staff", "etablissement_uai": "0590001A", "fonction": "secretariat", "nom": "DURAND",
         "prenom": "Lucie", "email": "lucie.durand@example.org"}


@contextmanager
def key(value):
    token = idempotency_key.set(value)
    try:
        yield
    finally:
        idempotency_key.reset(token)


@pytest.fixture
def service(accounts_db, clock):
    return worker_factory(AccountsService, db=accounts_db, clock=clock, mail_events=lambda *a: None,
                          settings=defaults(AccountsService))


def staff_count(db) -> int:
    count = db.scalar(select(func.count()).select_from(Account).where(Account.role == "staff"))
    db.rollback()
    return count


def test_a_command_sent_twice_with_one_key_creates_one_staff_account(service, accounts_db):
    service.import_siecle(payload=family_payload())
    with key("k-1"):
        first = service.create_staff_account(payload=STAFF)
    with key("k-1"):
        again = service.create_staff_account(payload=STAFF)
    assert again == first  # the same identifier and the same provisional password
    assert staff_count(accounts_db) == 1
    with key("k-2"):
        other = service.create_staff_account(payload=STAFF)
    assert other["identifiant"] != first["identifiant"]
    assert staff_count(accounts_db) == 2


def test_a_refusal_is_answered_again_not_run_again(service, accounts_db):
    with key("k-refused"):
        with pytest.raises(ValidationError) as first:
            service.create_staff_account(payload=STAFF)  # the establishment does not exist yet
    assert first.value.errors == {"etablissement_uai": ["Établissement inconnu."]}
    service.import_siecle(payload=family_payload())
    with key("k-refused"):
        with pytest.raises(ValidationError) as again:
            service.create_staff_account(payload=STAFF)
    assert again.value.errors == first.value.errors
    assert staff_count(accounts_db) == 0


def test_the_recorded_answer_holds_no_secret_in_clear(service, accounts_db):
    service.import_siecle(payload=family_payload())
    with key("k-secret"):
        created = service.create_staff_account(payload=STAFF)
    row = accounts_db.execute(select(records)).one()
    accounts_db.rollback()
    assert row.outcome == "result"
    assert created["password"] not in row.answer and created["identifiant"] not in row.answer
    assert "k-secret" not in row.key_hash


def test_a_command_committed_but_not_answered_yet_is_in_progress(service, accounts_db, clock):
    """What a replay meets while the first call sits between the commit that
    recorded its key and its answer (or died there): it does not run again."""
    service.import_siecle(payload=family_payload())
    accounts_db.execute(insert(records).values(key_hash=_hash("accounts", "create_staff_account", "k-busy"),
                                               method="accounts.create_staff_account", created_at=clock.now()))
    accounts_db.commit()
    with key("k-busy"):
        with pytest.raises(CommandInProgress):
            service.create_staff_account(payload=STAFF)
    assert staff_count(accounts_db) == 0


def test_records_are_dropped_after_the_retention_and_the_key_then_runs_again(service, accounts_db, clock):
    service.import_siecle(payload=family_payload())
    with key("k-old"):
        service.create_staff_account(payload=STAFF)
    clock.advance(RETENTION + timedelta(minutes=1))
    with key("k-new"):
        service.create_staff_account(payload=STAFF)
    hashes = accounts_db.scalars(select(records.c.key_hash)).all()
    accounts_db.rollback()
    assert len(hashes) == 1
    with key("k-old"):
        service.create_staff_account(payload=STAFF)
    assert staff_count(accounts_db) == 3


@pytest.mark.parametrize("where", ["in-process", "in-child"])
def test_an_import_sent_twice_with_one_key_runs_once_and_answers_the_same(service, accounts_db, monkeypatch, where):
    """A large establishment's import runs in a child process that commits it
    (services/accounts/import_child.py): the row saying its key ran is written
    in that same transaction, and the answer is stored on it."""
    if where == "in-child":
        monkeypatch.setattr(import_child, "CHILD_FROM_STUDENTS", 0)
    with key("k-import"):
        first = service.import_siecle(payload=family_payload())
    with key("k-import"):
        again = service.import_siecle(payload=family_payload())
    assert again == first and first["created"]["eleves"] == 3  # the replay, not a second import saying "unchanged"
    row = accounts_db.execute(select(records.c.outcome).where(
        records.c.key_hash == _hash("accounts", "import_siecle", "k-import"))).one()
    accounts_db.rollback()
    assert row.outcome == "result"
