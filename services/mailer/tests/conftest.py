"""The mailer's unit tests: its entrypoints called as methods
(nameko.testing.services.worker_factory) with a real database (both backends),
the real clock file and a real SMTP server (the mail catcher, in a thread of
the test process)."""
from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from common.settings import defaults
from services.mailer.settings import MailerSettings, smtp_settings
from services.mailer.dependencies import Doorbell, GroupCommit

from services.mailer.service import MailerService
from services.mailer.smtp import SmtpPool, SmtpSender
from tests.fixtures import free_port, migrated_session
from tools import mailcatcher


@pytest.fixture
def catcher(tmp_path):
    """A real SMTP server; `.mailbox` is what it kept, `.port` where it listens."""
    port = free_port()
    controller = mailcatcher.start(tmp_path / "mail", port=port)
    controller.mailbox = mailcatcher.Mailbox(tmp_path / "mail")
    controller.port = port
    yield controller
    controller.stop()


@pytest.fixture
def smtp_config(catcher, monkeypatch):
    monkeypatch.setenv("SCOLARITE_SMTP_PORT", str(catcher.port))
    monkeypatch.setenv("SCOLARITE_SMTP_TIMEOUT", "5")
    return smtp_settings()


@pytest.fixture
def mailer_db(databases, backend):
    with migrated_session(databases, backend, "mailer") as session:
        yield session


@pytest.fixture
def sender(smtp_config):
    sender = SmtpSender(smtp_config)
    yield sender
    sender.close()


@pytest.fixture
def pool(smtp_config):
    pool = SmtpPool(smtp_config, 2)
    yield pool
    pool.close()


@pytest.fixture
def mailer(mailer_db, clock, pool, monkeypatch):
    """A MailerService worker on the real database, clock and SMTP server.
    Its sending loop returns as soon as nothing is due: a test calls it again."""
    group_commit, new_mail = GroupCommit(), Doorbell()
    group_commit.setup()
    new_mail.setup()
    return worker_factory(MailerService, db=mailer_db, clock=clock, smtp=pool, group_commit=group_commit,
                          new_mail=new_mail,
                          settings=replace(defaults(MailerService), own=MailerSettings(smtp=pool.settings, poll_seconds=0)))
