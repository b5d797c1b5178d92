"""The first connection (guide § 2.2): with the letter's provisional password,
the person proves who they are by a birth date, chooses their password and
gives their address (required of a guardian)."""
from marshmallow import ValidationError as MarshmallowValidationError

from common.clock import PARIS
from common.errors import ValidationError
from common.schemas import load_or_raise
from services.accounts import audit, lifecycle, sessions, throttle
from services.accounts.family import children
from services.accounts.models import Account
from services.accounts.passwords import hash_password
from services.accounts.schemas import FirstConnectionSchema


def activate(db, account: Account, form, now, outbox: lifecycle.Outbox, client=None, check_only=False) -> dict:
    """Activates `account` from the form, ends its sessions and opens a new
    one. Every field is checked in one go and every problem is raised in one
    ValidationError. A wrong birth date is counted and journaled (committed
    here) before it; a missing or unreadable one is not. Any other refusal
    changes nothing. With `check_only` (the gateway already refused a field),
    the checks run and count alike, but the account is never activated."""
    if not account.password_provisional:
        raise ValidationError({"_": ["Votre compte est déjà activé."]})
    throttle.check(db, "first_connection", str(account.id), now)
    if not isinstance(form, dict):
        load_or_raise(FirstConnectionSchema(), form)
    try:
        data, errors = FirstConnectionSchema().load(form), {}
    except MarshmallowValidationError as exc:
        data, errors = exc.valid_data or {}, dict(exc.messages)
    if account.role == "responsable" and not (data.get("email") or "").strip() and "email" not in errors:
        errors["email"] = ["L'adresse électronique est obligatoire pour un responsable."]
    family = account.role in ("responsable", "eleve")
    if family and "date_naissance" not in errors:
        if data.get("date_naissance") is None:
            errors["date_naissance"] = ["Ce champ est obligatoire."]
        elif data["date_naissance"] not in {c.date_naissance
                                            for c in children(db, account, now.astimezone(PARIS).date())}:
            errors["date_naissance"] = ["La date de naissance ne correspond pas à celle de l'élève."
                                        if account.role == "eleve" else
                                        "La date de naissance ne correspond à aucun de vos enfants."]
            throttle.record_failure(db, "first_connection", str(account.id), now)
            audit.record(db, account, "first_connection_failed", now, client)
            db.commit()
    if errors:
        raise ValidationError(errors)
    if check_only:
        return {"valid": True}
    account.password_hash = hash_password(data["new_password"])
    account.password_provisional = False
    account.password_changed_at = now
    account.activated_at = account.activated_at or now
    throttle.clear(db, "first_connection", str(account.id))
    audit.record(db, account, "first_connection", now, client)
    if data.get("email"):
        account.email, account.email_confirmed_at = data["email"].strip(), None
        lifecycle.send_confirmation(db, account, now, outbox, client)
    lifecycle.end_sessions(db, account)
    # A student (or staff) sees the services from here: their first real visit.
    sessions.record_connection(account, now)
    new_token = sessions.open_session(db, account, now)
    return {"token": new_token, "email_sent_to": account.email if outbox else None,
            "must_confirm_email": sessions.must_confirm_email(account)}
