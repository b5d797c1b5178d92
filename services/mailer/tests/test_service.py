"""The mailer's rules, each through its entrypoints, on SQLite and PostgreSQL,
against a real SMTP server."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from common.errors import ValidationError
from common.mail import mail_request
from services.mailer import outbox
from services.mailer.exceptions import TemplateMissing
from services.mailer.models import OutboxMessage

UAI = "0590001A"
OTHER_UAI = "0590002B"


def confirmation(to="philippe.martin@example.org", **kwargs):
    return mail_request("confirmation_adresse", to, {
        "prenom": "Philippe", "nom": "MARTIN", "identifiant": "pmartin1",
        "lien": "https://scolarite.example/confirmer?jeton=SECRET-TOKEN-123", "valide_jusqu_au": "2027-03-01",
    }, to_name="Philippe MARTIN", etablissement_uai=UAI, **kwargs)


def password_changed(to, **kwargs):
    return mail_request("mot_de_passe_modifie", to, {
        "prenom": "Claire", "nom": "MARTIN", "identifiant": "cmartin1",
        "date_modification": "2026-11-27T10:00:00+00:00"}, **kwargs)


def statuses(mailer, *requests):
    return {entry["recipient"]: entry for entry in mailer.status([r["request_id"] for r in requests])}


def test_send_records_then_the_timer_delivers_one_multipart_message(mailer, catcher, clock):
    request = confirmation()
    [entry] = mailer.send([request])
    assert entry["status"] == "queued"
    assert catcher.mailbox.count() == 0  # nothing goes out before the sending loop runs

    mailer.deliver_due()

    [message] = catcher.mailbox.messages()
    assert message["To"] == "Philippe MARTIN <philippe.martin@example.org>"
    assert message["Subject"] == "Confirmez votre adresse électronique – Scolarité services"
    assert message.get_content_type() == "multipart/alternative"
    assert "https://scolarite.example/confirmer?jeton=SECRET-TOKEN-123" in message.get_body(("plain",)).get_content()
    assert 'href="https://scolarite.example/confirmer?jeton=SECRET-TOKEN-123"' in message.get_body(("html",)).get_content()
    [entry] = mailer.status([request["request_id"]])
    assert entry["status"] == "sent" and entry["sent_at"] is not None and entry["attempts"] == 1


def test_the_same_request_twice_is_recorded_and_sent_once(mailer, catcher):
    request = confirmation()
    first = mailer.send([request])
    again = mailer.send([request])
    mailer.mail_requested({"messages": [request]}, "accounts")
    assert first[0]["id"] == again[0]["id"]
    mailer.deliver_due()
    mailer.deliver_due()
    assert catcher.mailbox.count() == 1


def test_a_redelivered_event_never_sends_twice(mailer, catcher, mailer_db):
    event = {"messages": [password_changed(f"parent{i}@example.org") for i in range(3)]}
    mailer.mail_requested(event, "accounts")
    mailer.deliver_due()
    mailer.mail_requested(event, "accounts")  # the broker hands the same event again
    mailer.deliver_due()
    assert sorted(m["To"] for m in catcher.mailbox.messages()) == [f"parent{i}@example.org" for i in range(3)]
    assert len(mailer_db.scalars(select(OutboxMessage)).all()) == 3


@pytest.mark.parametrize("to", [
    "pas une adresse", "parent@", "@example.org", "parent@example", "parent@@example.org",
    "parent@example.org\r\nBcc: pirate@example.org", "parent@example.org, pirate@example.org",
    "<parent@example.org>", "parent@exa mple.org", "parent@-example.org",
])
def test_an_invalid_recipient_is_refused_when_requested_and_nothing_is_queued(mailer, mailer_db, to):
    request = {**confirmation(), "to": to}
    with pytest.raises(ValidationError) as refused:
        mailer.send([request])
    assert refused.value.errors == {"0": {"to": ["Adresse électronique invalide."]}}
    with pytest.raises(ValidationError):
        confirmation(to=to)  # the sender's own check refuses it before any event
    assert mailer_db.scalars(select(OutboxMessage)).all() == []


def test_an_unknown_kind_is_refused_with_a_clear_error(mailer, mailer_db):
    request = {**confirmation(), "kind": "bulletin_meteo"}
    with pytest.raises(ValidationError) as refused:
        mailer.send([confirmation(), request])
    assert refused.value.errors == {"1": {"kind": ["Type de message inconnu : bulletin_meteo."]}}
    assert mailer_db.scalars(select(OutboxMessage)).all() == []  # all or none


def test_a_kind_without_template_is_refused(mailer, mailer_db, monkeypatch):
    from services.mailer import rendering

    monkeypatch.setattr(rendering, "template_kinds", lambda: frozenset({"rappel_identifiant"}))
    with pytest.raises(TemplateMissing) as refused:
        mailer.send([confirmation()])
    assert refused.value.errors == {"0": {"kind": ["Aucun modèle pour le type de message confirmation_adresse."]}}
    assert mailer_db.scalars(select(OutboxMessage)).all() == []


def test_a_context_that_does_not_fit_the_kind_is_refused(mailer):
    request = {**confirmation(), "context": {"prenom": "Philippe", "lien": "javascript:alert(1)", "couleur": "bleu"}}
    with pytest.raises(ValidationError) as refused:
        mailer.send([request])
    errors = refused.value.errors["0"]["context"]
    assert errors["lien"] == ["Lien http ou https attendu."]
    assert errors["couleur"] == ["Variable inconnue pour ce type de message."]
    assert errors["nom"] == ["Ce champ est obligatoire."]


def test_an_invalid_message_in_an_event_is_kept_as_failed_with_the_reason(mailer, catcher):
    bad = {**password_changed("x@example.org"), "to": "pas une adresse"}
    mailer.mail_requested({"messages": [bad, password_changed("ok@example.org")]}, "accounts")
    mailer.deliver_due()
    assert [m["To"] for m in catcher.mailbox.messages()] == ["ok@example.org"]
    [entry] = mailer.status([bad["request_id"]])
    assert entry["status"] == "failed" and "Adresse électronique invalide." in entry["last_error"]


def test_a_temporary_failure_is_deferred_with_backoff_then_retried(mailer, catcher, clock):
    catcher.mailbox.answer(default="451")
    request = password_changed("parent@example.org")
    mailer.send([request])
    mailer.deliver_due()
    [entry] = mailer.status([request["request_id"]])
    assert entry["status"] == "deferred" and entry["last_error"].startswith("451")
    first_retry = datetime.fromisoformat(entry["next_attempt_at"])
    assert first_retry - clock.now() == pytest.approx(timedelta(minutes=1), abs=timedelta(seconds=5))

    clock.advance(timedelta(seconds=30))
    mailer.deliver_due()  # not due yet
    assert mailer.status([request["request_id"]])[0]["attempts"] == 1

    clock.advance(timedelta(seconds=31))
    mailer.deliver_due()  # second failure: the wait doubles
    [entry] = mailer.status([request["request_id"]])
    assert entry["attempts"] == 2
    assert datetime.fromisoformat(entry["next_attempt_at"]) - clock.now() == pytest.approx(
        timedelta(minutes=2), abs=timedelta(seconds=5))

    catcher.mailbox.answer(default="250")
    clock.advance(timedelta(minutes=2, seconds=1))
    mailer.deliver_due()
    assert mailer.status([request["request_id"]])[0]["status"] == "sent"
    assert catcher.mailbox.count() == 1


def test_a_permanent_failure_is_failed_at_once_and_never_retried(mailer, catcher, clock):
    catcher.mailbox.answer(recipients={"inconnu@example.org": "550"})
    refused, accepted = password_changed("inconnu@example.org"), password_changed("parent@example.org")
    mailer.send([refused, accepted])
    mailer.deliver_due()
    entries = statuses(mailer, refused, accepted)
    assert entries["inconnu@example.org"]["status"] == "failed"
    assert entries["inconnu@example.org"]["last_error"] == "550 5.1.1 Mailbox unavailable (mail catcher)"
    assert entries["parent@example.org"]["status"] == "sent"  # the batch went on
    catcher.mailbox.answer()
    clock.advance(timedelta(days=1))
    mailer.deliver_due()
    assert [m["To"] for m in catcher.mailbox.messages()] == ["parent@example.org"]


def test_an_unreachable_server_defers_the_whole_batch(mailer, catcher, clock, pool):
    requests = [password_changed(f"parent{i}@example.org") for i in range(3)]
    mailer.send(requests)
    for sender in pool.senders:
        sender.settings = {**sender.settings, "port": 1}  # nothing listens there
    mailer.deliver_due()
    entries = statuses(mailer, *requests)
    assert {e["status"] for e in entries.values()} == {"deferred"}
    assert all("serveur SMTP injoignable" in e["last_error"] for e in entries.values())
    for sender in pool.senders:
        sender.settings = {**sender.settings, "port": catcher.port}
    clock.advance(timedelta(minutes=1, seconds=1))
    mailer.deliver_due()
    assert catcher.mailbox.count() == 3


def test_temporary_failures_give_up_after_three_days(mailer, catcher, clock):
    catcher.mailbox.answer(default="451")
    request = password_changed("parent@example.org")
    mailer.send([request])
    for _ in range(60):
        mailer.deliver_due()
        clock.advance(outbox.BACKOFF_MAX)
        if mailer.status([request["request_id"]])[0]["status"] == "failed":
            break
    [entry] = mailer.status([request["request_id"]])
    assert entry["status"] == "failed"
    assert entry["last_error"].startswith("échec temporaire persistant depuis plus de 3 jours : 451")


def test_a_message_is_held_until_its_not_before(mailer, catcher, clock):
    later = clock.now() + timedelta(hours=3)
    request = password_changed("parent@example.org", not_before=later)
    mailer.send([request])
    mailer.deliver_due()
    assert catcher.mailbox.count() == 0
    assert mailer.status([request["request_id"]])[0]["status"] == "queued"
    clock.advance(timedelta(hours=2, minutes=59))
    mailer.deliver_due()
    assert catcher.mailbox.count() == 0
    clock.advance(timedelta(minutes=1, seconds=1))
    mailer.deliver_due()
    assert catcher.mailbox.count() == 1


def test_two_instances_never_claim_the_same_message(mailer, mailer_db, clock):
    from common.db import new_session

    mailer.send([password_changed(f"parent{i}@example.org") for i in range(10)])
    other = new_session(str(mailer_db.get_bind().url.render_as_string(hide_password=False)))
    try:
        _, first = outbox.claim(mailer_db, clock.now(), "instance-a", limit=6)
        _, second = outbox.claim(other, clock.now(), "instance-b", limit=6)
        _, third = outbox.claim(other, clock.now(), "instance-c", limit=6)
    finally:
        other.close()
        other.get_bind().dispose()
    assert len(first) == 6 and len(second) == 4 and third == []
    assert not {r.id for r in first} & {r.id for r in second}


def test_a_dead_instances_claim_expires_and_another_sends_its_messages(mailer, mailer_db, catcher, clock):
    mailer.send([password_changed(f"parent{i}@example.org") for i in range(4)])
    _, taken = outbox.claim(mailer_db, clock.now(), "instance-that-dies")
    assert len(taken) == 4
    mailer.deliver_due()
    assert catcher.mailbox.count() == 0  # still claimed
    clock.advance(outbox.CLAIM_LEASE + timedelta(seconds=1))
    mailer.deliver_due()
    assert catcher.mailbox.count() == 4


def test_every_attempt_carries_the_same_message_id(mailer, catcher, clock):
    catcher.mailbox.answer(default="451")
    request = password_changed("parent@example.org")
    mailer.send([request])
    mailer.deliver_due()
    catcher.mailbox.answer()
    clock.advance(timedelta(minutes=2))
    mailer.deliver_due()
    [message] = catcher.mailbox.messages()
    assert message["Message-ID"] == outbox.message_id_for(request["request_id"], "ne-pas-repondre@scolarite.localhost")


def test_access_links_are_erased_from_the_outbox_once_sent(mailer, mailer_db, catcher):
    link_kind, plain_kind = confirmation(), password_changed("claire@example.org")
    mailer.send([link_kind, plain_kind])
    mailer.deliver_due()
    mailer_db.expire_all()
    rows = {r.kind: r for r in mailer_db.scalars(select(OutboxMessage))}
    assert rows["confirmation_adresse"].body_text is None and rows["confirmation_adresse"].body_html is None
    assert "SECRET-TOKEN-123" not in repr(mailer.outbox_page({"etablissement_uai": UAI}))
    assert rows["mot_de_passe_modifie"].body_text  # nothing secret: kept


def test_staff_see_only_their_establishments_messages_and_never_a_body(mailer):
    mine = confirmation()
    both = password_changed("claire@example.org", etablissement_uais=[UAI, OTHER_UAI])
    theirs = password_changed("autre@example.org", etablissement_uai=OTHER_UAI)
    mailer.send([mine, both, theirs])

    page = mailer.outbox_page({"etablissement_uai": UAI})
    assert page["total"] == 2
    assert {m["recipient"] for m in page["messages"]} == {"philippe.martin@example.org", "claire@example.org"}
    entry = next(m for m in page["messages"] if m["kind"] == "confirmation_adresse")
    assert entry["kind_label"] == "Confirmation de l'adresse électronique"
    assert entry["subject"] == "Confirmez votre adresse électronique – Scolarité services"
    assert not {"body_text", "body_html", "context"} & set(entry)
    assert "SECRET-TOKEN-123" not in repr(page)

    assert mailer.outbox_page({"all_etablissements": True})["total"] == 3
    assert mailer.outbox_page({"etablissement_uai": UAI, "recipient": "CLAIRE@"})["total"] == 1
    assert mailer.outbox_page({"etablissement_uai": UAI, "status": "sent"})["total"] == 0
    with pytest.raises(ValidationError):
        mailer.outbox_page({})  # neither an establishment nor, explicitly, all of them


def test_instants_are_kept_in_utc_whatever_the_offset_given(mailer, catcher, clock):
    paris_morning = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=2))) + timedelta(hours=1)
    request = password_changed("parent@example.org", not_before=paris_morning)
    [entry] = mailer.send([request])
    assert datetime.fromisoformat(entry["next_attempt_at"]) == paris_morning
