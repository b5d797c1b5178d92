"""An account's life after its letter (guide § 2.2 to 2.7, FAQ): confirming
the address, the self-help of the login page (forgotten identifier, forgotten
password), the profile (new address, new password), merging a guardian's
accounts ("regroupement") and the purge.

Each function works on the service's database session and appends the mails
to send to an `Outbox`; the entrypoint commits first and sends after, so that
no mail ever carries a link the database does not know. A function that must
keep a failure (a throttle count, a journal line) while refusing commits that
itself before raising.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, and_, select

from common.clock import PARIS
from common.errors import ValidationError
from common.mail import mail_request
from common.schemas import load_or_raise
from services.accounts import audit, expired_letters, throttle, tokens
from services.accounts.exceptions import InvalidCredentials, MergeRefused, ProvisionalPasswordExpired
from services.accounts.family import children
from services.accounts.identifiers import looks_like_identifier, person_key
from services.accounts.letters import last_valid_day, letter_valid_until
from services.accounts.models import Account, Session, Token
from services.accounts.passwords import hash_password, verify_password
from services.accounts.schemas import (
    EmailFormSchema, LoginSchema, NewPasswordSchema, ProfileChangeSchema, email_problems,
)

# The mailer's message kinds (common/mail.py, docs/mailer.md).
MAIL_EMAIL_CONFIRMATION = "confirmation_adresse"
MAIL_IDENTIFIER_REMINDER = "rappel_identifiant"
MAIL_PASSWORD_RESET = "reinitialisation_mot_de_passe"
MAIL_NEW_ADDRESS = "confirmation_nouvelle_adresse"
MAIL_OLD_ADDRESS_NOTICE = "information_ancienne_adresse"
MAIL_PASSWORD_CHANGED = "mot_de_passe_modifie"

# FAQ: "Si votre compte n'a pas été activé ou confirmé depuis 90 jours, ou non
# utilisé depuis 365 jours, celui-ci sera supprimé."
NOT_ACTIVATED_LIMIT = timedelta(days=90)
NOT_CONFIRMED_LIMIT = timedelta(days=90)
UNUSED_LIMIT = timedelta(days=365)


class Outbox(list):
    """The mails of one piece of work, each checked by the mailer's contract
    when added (before anything is committed), sent after the commit; their
    links start with the portal's address as families type it
    (SCOLARITE_PUBLIC_URL, services/accounts/settings.py)."""

    def __init__(self, public_url: str):
        super().__init__()
        self.public_url = public_url.rstrip("/")

    def link(self, path: str) -> str:
        return self.public_url + path

    def add(self, db, kind: str, to: str, account: Account, context: dict) -> None:
        self.append(mail_request(kind, to, {**_person(account), **context}, account_id=account.id,
                                 etablissement_uais=audit.etablissements_of(db, account)))


def _person(account: Account) -> dict:
    if account.role == "eleve" and account.eleve is not None:
        prenom, nom = account.eleve.prenom, account.eleve.nom
    elif account.responsables:
        prenom, nom = account.responsables[0].prenom, account.responsables[0].nom
    else:
        prenom, nom = account.prenom or "", account.nom or ""
    return {"prenom": prenom, "nom": nom}


def end_sessions(db, account: Account) -> None:
    db.execute(delete(Session).where(Session.account_id == account.id))


# -- confirming the address ------------------------------------------------
def send_confirmation(db, account: Account, now, outbox: Outbox, client=None) -> None:
    """A link to confirm the account's current address (3 months)."""
    raw = tokens.issue(db, account, tokens.EMAIL_CONFIRMATION, now, email=account.email)
    outbox.add(db, MAIL_EMAIL_CONFIRMATION, account.email, account, {
        "identifiant": account.identifiant, "lien": outbox.link(f"/confirmation/{raw}"),
        "valide_jusqu_au": last_valid_day(tokens.expiry(tokens.EMAIL_CONFIRMATION, now)),
        "role": account.role,
    })
    audit.record(db, account, "email_confirmation_sent", now, client, account.email)


def resend_confirmation(db, account: Account, form: dict | None, now, outbox: Outbox, client=None) -> str:
    """"Vérification mail" (a guardian, who may correct the address) and the
    profile's button (a student): a new link to the address, which must not be
    confirmed yet. Returns the address the link went to."""
    if account.email_confirmed_at is not None:
        raise ValidationError({"email": ["Votre adresse électronique est déjà confirmée."]})
    key = f"confirmation:{account.id}"
    throttle.check(db, "recovery", key, now)
    if form is not None:
        data = load_or_raise(EmailFormSchema(), form)
        account.email = data["email"].strip()
    if not account.email:
        raise ValidationError({"email": ["Ce champ est obligatoire."]})
    throttle.record_failure(db, "recovery", key, now)
    send_confirmation(db, account, now, outbox, client)
    return account.email


def confirm_email(db, raw: str, now, client=None) -> dict:
    """The link of a confirmation or change-of-address mail, followed. Followed
    again while its address is still the account's confirmed one, it says so
    (`already_confirmed`) instead of refusing the link."""
    purposes = (tokens.EMAIL_CONFIRMATION, tokens.EMAIL_CHANGE)
    used = tokens.already_used_for_current_address(db, raw, purposes)
    if used is not None:
        return {"already_confirmed": True, "purpose": used.purpose}
    token, account = tokens.use(db, raw, (tokens.EMAIL_CONFIRMATION, tokens.EMAIL_CHANGE), now)
    if token.purpose == tokens.EMAIL_CHANGE:
        old = account.email
        account.email, account.email_confirmed_at = token.email, now
        audit.record(db, account, "email_changed", now, client, f"{old} → {token.email}")
    else:
        account.email_confirmed_at = now
        audit.record(db, account, "email_confirmed", now, client, account.email)
    return {"identifiant": account.identifiant, "role": account.role, "email": account.email,
            "purpose": token.purpose, "already_confirmed": False}


# -- self-help on the login page (guide § 2.4) -----------------------------
# Each request is answered in two steps so that the answer tells nothing, not
# even by its delay: the RPC checks what was typed and counts it (the same
# work whether an account exists or not), and hands a `recovery_requested`
# work event to the service itself; the handler looks the account up, issues
# the token, writes the journal and asks for the mail, after the answer went.
RECOVERY_REQUESTED = "recovery_requested"
FORGOTTEN_IDENTIFIER = "identifiant"
FORGOTTEN_PASSWORD = "mot_de_passe"


def request_identifier_reminder(db, email: str | None, now, client=None) -> dict:
    """Checks and counts a forgotten-identifier request; returns the work
    event's payload (for `send_identifier_reminder`)."""
    email = (email or "").strip()
    problems = email_problems({"email": email, "email_confirm": email})
    if problems:
        raise ValidationError(problems)
    key = f"email:{email.lower()}"
    throttle.check(db, "recovery", key, now)
    throttle.record_failure(db, "recovery", key, now)
    return {"what": FORGOTTEN_IDENTIFIER, "typed": email, "requested_at": now.isoformat(), "client": client}


def send_identifier_reminder(db, email: str, now, outbox: Outbox, client=None) -> None:
    """Mails the identifiers of the accounts whose confirmed address is
    `email`; nothing for an address unknown or never confirmed."""
    accounts = db.scalars(select(Account).where(func.lower(Account.email) == email.lower(),
                                                Account.email_confirmed_at.is_not(None))
                          .order_by(Account.identifiant)).all()
    if not accounts:
        return
    outbox.add(db, MAIL_IDENTIFIER_REMINDER, accounts[0].email, accounts[0], {
        "identifiants": [a.identifiant for a in accounts],
    })
    for account in accounts:
        audit.record(db, account, "identifier_reminder", now, client)


def _identifier(text: str | None, field: str = "identifiant") -> str:
    ident = (text or "").strip().lower()
    if not ident:
        raise ValidationError({field: ["Ce champ est obligatoire."]})
    if not looks_like_identifier(ident):
        raise ValidationError({field: [
            "Identifiant invalide : il ne contient que des lettres sans accent, des chiffres, "
            "des points et des tirets (par exemple p.martin3)."]})
    return ident


def request_password_reset(db, identifiant: str | None, now, client=None) -> dict:
    """Checks and counts a forgotten-password request; returns the work
    event's payload (for `send_password_reset`)."""
    ident = _identifier(identifiant)
    key = f"identifiant:{ident}"
    throttle.check(db, "recovery", key, now)
    throttle.record_failure(db, "recovery", key, now)
    return {"what": FORGOTTEN_PASSWORD, "typed": ident, "requested_at": now.isoformat(), "client": client}


def send_password_reset(db, ident: str, now, outbox: Outbox, client=None) -> None:
    """Mails a reset link valid one week (from the request) to the account's
    confirmed address; the password stays as it is until the link is used.
    Nothing for an unknown identifier or an address never confirmed."""
    account = db.scalar(select(Account).where(Account.identifiant == ident))
    if account is None or not account.email or account.email_confirmed_at is None:
        return
    raw = tokens.issue(db, account, tokens.PASSWORD_RESET, now)
    outbox.add(db, MAIL_PASSWORD_RESET, account.email, account, {
        "identifiant": account.identifiant, "lien": outbox.link(f"/mot-de-passe-oublie/{raw}"),
        "valide_jusqu_au": tokens.expiry(tokens.PASSWORD_RESET, now).isoformat(),
    })
    audit.record(db, account, "password_reset_requested", now, client)


def fulfil_recovery(db, payload: dict, outbox: Outbox) -> None:
    """The asynchronous step of either request (a `recovery_requested` event)."""
    now = datetime.fromisoformat(payload["requested_at"])
    if payload["what"] == FORGOTTEN_IDENTIFIER:
        send_identifier_reminder(db, payload["typed"], now, outbox, payload.get("client"))
    else:
        send_password_reset(db, payload["typed"], now, outbox, payload.get("client"))


def check_reset(db, raw: str, now) -> dict:
    _token, account = tokens.check(db, raw, (tokens.PASSWORD_RESET,), now)
    return {"identifiant": account.identifiant}


def reset_password(db, raw: str, form: dict, now, outbox: Outbox, client=None) -> dict:
    """The reset link's form: the new password replaces the old one, the link
    dies, and every session of the account ends."""
    tokens.check(db, raw, (tokens.PASSWORD_RESET,), now)
    data = load_or_raise(NewPasswordSchema(), form)
    _token, account = tokens.use(db, raw, (tokens.PASSWORD_RESET,), now)
    _set_password(db, account, data["new_password"], now)
    throttle.clear(db, "login", account.identifiant)
    audit.record(db, account, "password_reset", now, client)
    _password_notice(db, account, now, outbox)
    return {"identifiant": account.identifiant}


def _set_password(db, account: Account, password: str, now) -> None:
    account.password_hash = hash_password(password)
    account.password_provisional = False
    account.password_changed_at = now
    end_sessions(db, account)


def _password_notice(db, account: Account, now, outbox: Outbox) -> None:
    if account.email and account.email_confirmed_at is not None:
        outbox.add(db, MAIL_PASSWORD_CHANGED, account.email, account, {
            "identifiant": account.identifiant, "date_modification": now.isoformat(),
        })


# -- the profile (guide § 2.5 and 2.7.1) -----------------------------------
def change_profile(db, account: Account, form: dict, now, outbox: Outbox, client=None) -> dict:
    """"Modification de vos informations": with the current password, a new
    address (effective once its link is followed, a notice to the old one) and
    or a new password (a notice, every session ends). Returns what was done."""
    key = str(account.id)
    throttle.check(db, "current_password", key, now)
    data = load_or_raise(ProfileChangeSchema(), form)
    if not verify_password(account.password_hash, data["current_password"]):
        throttle.record_failure(db, "current_password", key, now)
        audit.record(db, account, "password_check_failed", now, client)
        db.commit()
        raise ValidationError({"current_password": ["Mot de passe actuel incorrect."]})
    throttle.clear(db, "current_password", key)
    new_email = (data.get("email") or "").strip() or None
    if new_email and new_email.lower() == (account.email or "").lower() and account.email_confirmed_at:
        if not data.get("new_password"):
            raise ValidationError({"email": ["C'est déjà l'adresse confirmée de votre compte."]})
        new_email = None
    done = {"password_changed": False, "email_sent_to": None, "token": None}
    if data.get("new_password"):
        _set_password(db, account, data["new_password"], now)
        audit.record(db, account, "password_changed", now, client)
        _password_notice(db, account, now, outbox)
        done["password_changed"] = True
    if new_email:
        if account.email_confirmed_at is not None:
            raw = tokens.issue(db, account, tokens.EMAIL_CHANGE, now, email=new_email)
            outbox.add(db, MAIL_NEW_ADDRESS, new_email, account, {
                "identifiant": account.identifiant, "nouvelle_adresse": new_email,
                "lien": outbox.link(f"/confirmation/{raw}"),
                "valide_jusqu_au": last_valid_day(tokens.expiry(tokens.EMAIL_CHANGE, now)),
            })
            outbox.add(db, MAIL_OLD_ADDRESS_NOTICE, account.email, account, {
                "identifiant": account.identifiant, "nouvelle_adresse": new_email,
                "date_demande": now.isoformat(),
            })
            audit.record(db, account, "email_change_requested", now, client, f"{account.email} → {new_email}")
        else:
            # Never confirmed: nobody to warn; the new address replaces it and awaits its link.
            account.email = new_email
            send_confirmation(db, account, now, outbox, client)
        done["email_sent_to"] = new_email
    return done


# -- children and merging (guide § 2.7.2) ----------------------------------
def persons(account: Account) -> set[tuple[str, str]]:
    """Who an account belongs to, as the schools' data name them: a guardian
    appears once per establishment (one SIECLE PERSONNE each); see person_key."""
    return {person_key(r.nom, r.prenom) for r in account.responsables}


def merge(db, account: Account, identifiant: str | None, password: str | None, now, client=None) -> dict:
    """"Regrouper des comptes": the other account's children join this one and
    the other account is deleted (its sessions end). Refuses a student
    account, the account itself, another person's account, wrong credentials
    (counted like a login against the other account's identifier)."""
    return _merge(db, account, _merge_candidate(db, account, identifiant, password, now, client), now, client)


def preview_merge(db, account: Account, identifiant: str | None, password: str | None, now, client=None) -> dict:
    """The confirmation step of a merge (issue 13 § 10): the same checks as
    `merge`, nothing merged; returns what would happen (the other account's
    identifier and children) and a ticket for `merge_by_ticket`."""
    other = _merge_candidate(db, account, identifiant, password, now, client)
    return {"ticket": tokens.issue_merge(db, account, other, now), "identifiant": other.identifiant,
            "enfants": [{"prenom": e.prenom, "nom": e.nom} for e in children(db, other, now.astimezone(PARIS).date())]}


def merge_by_ticket(db, account: Account, ticket: str | None, now, client=None) -> dict:
    """The merge confirmed: raises TokenInvalid (used, other password since,
    another guardian's ticket) or TokenExpired (15 minutes)."""
    if account.role != "responsable":
        raise MergeRefused("not_guardian")
    other = tokens.use_merge(db, ticket, account, now)
    if other.role != "responsable" or not persons(account) & persons(other):
        raise MergeRefused("other_person")
    return _merge(db, account, other, now, client)


def _merge_candidate(db, account: Account, identifiant, password, now, client) -> Account:
    if account.role != "responsable":
        raise MergeRefused("not_guardian")
    typed = load_or_raise(LoginSchema(), {"identifiant": identifiant, "password": password})
    ident, password = _identifier(typed["identifiant"]), typed["password"]
    if not password:
        raise ValidationError({"password": ["Ce champ est obligatoire."]})
    if len(password) > 128:
        raise ValidationError({"password": ["128 caractères au maximum."]})
    if ident == account.identifiant:
        raise MergeRefused("same")
    throttle.check(db, "login", ident, now)
    other = db.scalar(select(Account).where(Account.identifiant == ident))
    if other is None or not verify_password(other.password_hash, password):
        throttle.record_failure(db, "login", ident, now)
        if other is not None:
            audit.record(db, other, "merge_failed", now, client, f"depuis le compte {account.identifiant}")
        db.commit()
        raise InvalidCredentials()
    if other.password_provisional and now >= letter_valid_until(other):
        raise ProvisionalPasswordExpired()
    throttle.clear(db, "login", ident)
    if other.role == "eleve":
        raise MergeRefused("eleve")
    if other.role != "responsable":
        raise MergeRefused("not_guardian")
    if not persons(account) & persons(other):
        raise MergeRefused("other_person")
    return other


def _merge(db, account: Account, other: Account, now, client) -> dict:
    audit.record(db, other, "merged_into", now, client, f"rattaché au compte {account.identifiant}")
    for responsable in list(other.responsables):
        responsable.account_id = account.id
    db.flush()
    db.expire(account, ["responsables"])
    audit.record(db, account, "merge", now, client, f"compte {other.identifiant} rattaché puis supprimé")
    end_sessions(db, other)
    db.execute(delete(Token).where(Token.account_id == other.id))
    db.expire(other, ["responsables"])
    db.delete(other)
    return {"merged": other.identifiant}


# -- the purge (FAQ) ---------------------------------------------------------
def purge(db, now, client=None) -> dict:
    """Delete the families' accounts not activated within 90 days of their
    letter (or of their creation, without a letter), guardians' accounts whose
    address was not confirmed within 90 days of their first connection, and
    accounts unused for 365 days. Each leaves a line in the journal; the
    school can print a new letter, which creates the account again."""
    family = Account.role.in_(("responsable", "eleve"))
    not_activated = and_(Account.activated_at.is_(None),
                         func.coalesce(Account.provisional_issued_at, Account.created_at) < now - NOT_ACTIVATED_LIMIT)
    not_confirmed = and_(Account.role == "responsable", Account.activated_at.is_not(None),
                         Account.email_confirmed_at.is_(None), Account.activated_at < now - NOT_CONFIRMED_LIMIT)
    unused = and_(Account.activated_at.is_not(None),
                  func.coalesce(Account.last_login_at, Account.activated_at) < now - UNUSED_LIMIT)
    accounts = db.scalars(select(Account).where(family, or_(not_activated, not_confirmed, unused))
                          .order_by(Account.id)).all()
    counts = {"non_active": 0, "non_confirme": 0, "inutilise": 0}
    for account in accounts:
        if account.activated_at is None:
            reason, text = "non_active", "non activé dans les 90 jours"
        elif account.role == "responsable" and account.email_confirmed_at is None \
                and account.activated_at < now - NOT_CONFIRMED_LIMIT:
            reason, text = "non_confirme", "adresse non confirmée dans les 90 jours"
        else:
            reason, text = "inutilise", "non utilisé depuis 365 jours"
        counts[reason] += 1
        if reason == "non_active" and account.password_provisional and account.provisional_issued_at is not None:
            expired_letters.keep(db, account, now)
        audit.record(db, account, "purged", now, client, text)
        end_sessions(db, account)
        db.execute(delete(Token).where(Token.account_id == account.id))
        for responsable in list(account.responsables):
            responsable.account_id = None
        db.flush()
        db.expire(account, ["responsables"])
        db.delete(account)
    expired_letters.forget_old(db, now)
    db.flush()
    return counts
