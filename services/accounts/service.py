"""The accounts service: identities, establishments, children links, sessions.

Every method is called by the gateway (pages), the import CLI or the demo
generator; each docstring says who may call it and what it promises.
"""
import hashlib
import json
import os
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from nameko.timer import timer
from sqlalchemy.orm import selectinload

from common.clock import ClockProvider, age_on
from common.contract import FeatureContract
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.mail import dispatch_mail
from common.messaging import rpc, work_dispatcher, work_handler
from common.schemas import load_or_raise
from services.accounts import audit, importing, letters, lifecycle, news, throttle
from services.accounts.exceptions import (
    InvalidCredentials, ProvisionalPasswordExpired, SessionExpired, TooManyAttempts,
)
from services.accounts.letters import letter_valid_until
from services.accounts.models import Account, Eleve, Etablissement, JobRun, Lien, Responsable, Session
from services.accounts.passwords import generate_provisional_password, hash_password, verify_password
from services.accounts.schemas import (
    AccountViewSchema, FirstConnectionSchema, MessageAccueilSchema, SiecleImportSchema, StaffAccountSchema,
)

SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
# Writing last_seen_at on every page would turn each read into a write.
SESSION_TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How often the daily jobs (the purge) look whether today's run is done.
JOBS_CHECK_SECONDS = float(os.environ.get("SCOLARITE_JOBS_CHECK_SECONDS", "600"))


class AccountsService(FeatureContract):
    name = "accounts"

    db = Database()
    clock = ClockProvider()
    # Every e-mail goes through the mailer, as a durable work event sent after
    # the commit (common/mail.py).
    mail_events = work_dispatcher()

    def _send(self, outbox) -> None:
        dispatch_mail(self.mail_events, *outbox)

    # -- back office ----------------------------------------------------
    @rpc
    def import_siecle(self, payload):
        """Import CLI and demo generator: upsert one establishment's students,
        guardians and links and create their accounts (without passwords: a
        letter gives them one). Returns what was created, updated, skipped."""
        data = load_or_raise(SiecleImportSchema(), payload)
        report = importing.import_siecle(self.db, data, self.clock.now(), self.clock.today())
        self.db.commit()
        return report

    @rpc
    def issue_letters(self, uai, eleve_ids=None, only_new=False, classe=None, client=None):
        """Staff (letters page, after the gateway checked they administer
        `uai`) and the demo generator: one letter per account of the chosen
        students of `uai` (all of them, `eleve_ids`, or one `classe`) and of
        their legal guardians. An account not in use gets a new provisional
        password valid 3 months (the previous letter dies); an account in use
        keeps its password and its letter only recalls the identifier;
        `only_new` keeps the accounts never notified. An account the purge
        deleted is created again. Returns one letter each."""
        issued = letters.issue(self.db, uai, self.clock.now(), eleve_ids=eleve_ids, classe=classe,
                               only_new=only_new, client=client)
        self.db.commit()
        return issued

    @rpc
    def letter_choices(self, uai):
        """Staff letters page: the establishment's classes and active students."""
        return letters.choices(self.db, uai)

    @rpc
    def create_staff_account(self, payload):
        """Académie operators (gateway admin pages, `python -m tools.staff`, the
        demo generator): a staff account of one establishment, or another
        operator. Returns its identifier and provisional password, once."""
        data = load_or_raise(StaffAccountSchema(), payload)
        if data["etablissement_uai"] and self.db.get(Etablissement, data["etablissement_uai"]) is None:
            raise ValidationError({"etablissement_uai": ["Établissement inconnu."]})
        now = self.clock.now()
        password = generate_provisional_password()
        account = Account(
            identifiant=importing.IdentifierAllocator(self.db).allocate(data["prenom"], data["nom"]),
            role=data["role"], etablissement_uai=data["etablissement_uai"] if data["role"] == "staff" else None,
            fonction=data["fonction"] if data["role"] == "staff" else None, nom=data["nom"], prenom=data["prenom"],
            email=data["email"], created_at=now, password_hash=hash_password(password),
            password_provisional=True, provisional_issued_at=now)
        self.db.add(account)
        self.db.flush()
        audit.record(self.db, account, "created", now, detail=f"{data['role']} créé par un opérateur")
        self.db.commit()
        return {"account_id": account.id, "identifiant": account.identifiant, "password": password,
                "valid_until": letters.last_valid_day(letter_valid_until(account))}

    @rpc
    def list_staff(self):
        """Académie operators (staff accounts page): every staff and operator account."""
        rows = self.db.scalars(select(Account).where(Account.role.in_(("staff", "operator")))
                               .order_by(Account.etablissement_uai, Account.nom, Account.prenom)).all()
        return [{"identifiant": a.identifiant, "role": a.role, "etablissement_uai": a.etablissement_uai,
                 "fonction": a.fonction, "nom": a.nom, "prenom": a.prenom,
                 "activated": a.activated_at is not None} for a in rows]

    # -- login and sessions ---------------------------------------------
    @rpc
    def login(self, identifiant, password, client=None):
        """Gateway, login form; `client` is the browser's address, for the
        journal. Returns a new session token (a new session id at every login).
        Raises InvalidCredentials without saying which of the two was wrong,
        ProvisionalPasswordExpired after a correct but expired provisional
        password, TooManyAttempts after repeated failures for this identifier
        (known or not: the answer never tells whether it exists)."""
        identifiant = (identifiant or "").strip().lower()[:100]
        now = self.clock.now()
        account = self.db.scalar(select(Account).where(Account.identifiant == identifiant)) if identifiant else None
        try:
            throttle.check(self.db, "login", identifiant, now)
        except TooManyAttempts:
            if account is not None:
                audit.record(self.db, account, "login_blocked", now, client)
                self.db.commit()
            raise
        # Verified even for an unknown identifier (against a dummy hash) so the
        # answer takes the same time either way.
        ok = verify_password(account.password_hash if account else None, (password or "")[:128])
        if account is None or not ok:
            throttle.record_failure(self.db, "login", identifiant, now)
            if account is not None:
                audit.record(self.db, account, "login_failed", now, client)
            self.db.commit()
            raise InvalidCredentials()
        if account.password_provisional and now >= letter_valid_until(account):
            audit.record(self.db, account, "login_refused", now, client)
            self.db.commit()
            raise ProvisionalPasswordExpired()
        throttle.clear(self.db, "login", identifiant)
        account.previous_login_at, account.last_login_at = account.last_login_at, now
        audit.record(self.db, account, "login", now, client)
        token = self._new_session(account, now)
        self.db.commit()
        return {"token": token, "must_change_password": account.password_provisional,
                "must_confirm_email": self._must_confirm_email(account)}

    @staticmethod
    def _must_confirm_email(account) -> bool:
        """Guide § 2.2.1: a guardian reaches no service before confirming the
        address; a student's address is optional and never blocks."""
        return account.role == "responsable" and not account.password_provisional \
            and account.email_confirmed_at is None

    def _new_session(self, account, now):
        token = secrets.token_urlsafe(32)
        self.db.add(Session(token_hash=token_hash(token), account_id=account.id, created_at=now, last_seen_at=now))
        return token

    def _session_account(self, token):
        now = self.clock.now()
        session = self.db.scalar(select(Session).where(Session.token_hash == token_hash(token or "")))
        if session is None:
            raise SessionExpired()
        if now - session.last_seen_at > SESSION_IDLE or now - session.created_at > SESSION_MAX:
            self.db.delete(session)
            self.db.commit()
            raise SessionExpired()
        if now - session.last_seen_at > SESSION_TOUCH_EVERY:
            session.last_seen_at = now
            self.db.commit()
        return self.db.get(Account, session.account_id)

    @rpc
    def get_session(self, token, with_tiles=False):
        """Gateway, every page: who is logged in and which children they may
        see (a student: only themself; a guardian: the children they are legal
        guardian of, in every establishment merged into the account). With
        `with_tiles` (the home page), each child's tiles of what became visible
        since the previous connection, from the news services sent (news.py)."""
        account = self._session_account(token)
        view = self._view(account)
        if with_tiles:
            by_child = news.tiles(self.db, [c["eleve_id"] for c in view["children"]],
                                  account.previous_login_at, self.clock.now())
            for child in view["children"]:
                child["tiles"] = by_child.get(child["eleve_id"], [])
        return AccountViewSchema().dump(view)

    @work_handler("notes", "news")
    @work_handler("vie_scolaire", "news")
    @work_handler("lsl", "news")
    @work_handler("fiche", "news")
    @work_handler("inscription", "news")
    @work_handler("bourses", "news")
    def on_news(self, payload):
        """Feature services' news (common.news), kept for the home page's tiles."""
        news.store(self.db, payload)
        self.db.commit()

    @rpc
    def logout(self, token):
        """Gateway: ends this session."""
        self.db.execute(delete(Session).where(Session.token_hash == token_hash(token or "")))
        self.db.commit()

    @rpc
    def first_connection(self, token, form, client=None):
        """Gateway, first-connection form. Checks the birth date (the student's
        own, or one of the guardian's children's), replaces the provisional
        password, records the e-mail; ends every session of the account and
        returns a new token. An address given gets a confirmation link (3
        months); a guardian must follow it before reaching any service.
        Raises ValidationError with French messages per field, having changed
        nothing; TooManyAttempts after repeated wrong birth dates."""
        account = self._session_account(token)
        if not account.password_provisional:
            raise ValidationError({"_": ["Votre compte est déjà activé."]})
        now = self.clock.now()
        throttle.check(self.db, "first_connection", str(account.id), now)
        data = load_or_raise(FirstConnectionSchema(), form)
        if account.role == "responsable" and not data.get("email"):
            raise ValidationError({"email": ["L'adresse électronique est obligatoire pour un responsable."]})
        family = account.role in ("responsable", "eleve")
        if family and data.get("date_naissance") is None:
            raise ValidationError({"date_naissance": ["Ce champ est obligatoire."]})
        children = self._children(account)
        if family and data["date_naissance"] not in {c.date_naissance for c in children}:
            field_message = ("La date de naissance ne correspond pas à celle de l'élève."
                             if account.role == "eleve" else
                             "La date de naissance ne correspond à aucun de vos enfants.")
            throttle.record_failure(self.db, "first_connection", str(account.id), now)
            audit.record(self.db, account, "first_connection_failed", now, client)
            self.db.commit()
            raise ValidationError({"date_naissance": [field_message]})
        account.password_hash = hash_password(data["new_password"])
        account.password_provisional = False
        account.password_changed_at = now
        account.activated_at = account.activated_at or now
        throttle.clear(self.db, "first_connection", str(account.id))
        audit.record(self.db, account, "first_connection", now, client)
        outbox = lifecycle.Outbox()
        if data.get("email"):
            account.email, account.email_confirmed_at = data["email"].strip(), None
            lifecycle.send_confirmation(self.db, account, now, outbox, client)
        self.db.execute(delete(Session).where(Session.account_id == account.id))
        new_token = self._new_session(account, now)
        self.db.commit()
        self._send(outbox)
        return {"token": new_token, "email_sent_to": account.email if outbox else None,
                "must_confirm_email": self._must_confirm_email(account)}

    # -- the address, self-help, profile, merging (services/accounts/lifecycle.py)
    @rpc
    def resend_confirmation(self, token, email=None, email_confirm=None, client=None):
        """Gateway: "Vérification mail" (a guardian whose address is not
        confirmed; the address may be corrected there) and the profile's
        button (a student). Sends a new confirmation link; returns the address."""
        account = self._session_account(token)
        outbox = lifecycle.Outbox()
        form = None if email is None and email_confirm is None else {"email": email, "email_confirm": email_confirm}
        sent_to = lifecycle.resend_confirmation(self.db, account, form, self.clock.now(), outbox, client)
        self.db.commit()
        self._send(outbox)
        return {"email": sent_to}

    @rpc
    def confirm_email(self, token, client=None):
        """Gateway, the link of a confirmation (or change of address) mail,
        followed by anyone holding it: confirms the address. Raises
        TokenInvalid or TokenExpired."""
        result = lifecycle.confirm_email(self.db, token, self.clock.now(), client)
        self.db.commit()
        return result

    @rpc
    def forgotten_identifier(self, email, client=None):
        """Gateway, "identifiant oublié" (anyone): mails the identifiers of the
        accounts whose confirmed address this is. Returns nothing either way."""
        outbox = lifecycle.Outbox()
        lifecycle.forgotten_identifier(self.db, email, self.clock.now(), outbox, client)
        self.db.commit()
        self._send(outbox)

    @rpc
    def forgotten_password(self, identifiant, client=None):
        """Gateway, "mot de passe oublié" (anyone): mails a reset link valid one
        week if the account has a confirmed address. Returns nothing either way."""
        outbox = lifecycle.Outbox()
        lifecycle.forgotten_password(self.db, identifiant, self.clock.now(), outbox, client)
        self.db.commit()
        self._send(outbox)

    @rpc
    def check_reset_token(self, token):
        """Gateway, the reset link opened: whether it may still be used."""
        return lifecycle.check_reset(self.db, token, self.clock.now())

    @rpc
    def reset_password(self, token, form, client=None):
        """Gateway, the reset link's form: sets the new password, uses the link
        up and ends every session of the account."""
        outbox = lifecycle.Outbox()
        result = lifecycle.reset_password(self.db, token, form, self.clock.now(), outbox, client)
        self.db.commit()
        self._send(outbox)
        return result

    @rpc
    def change_profile(self, token, form, client=None):
        """Gateway, profile ("Modification de vos informations"), for the
        logged-in account. A new password ends every session and returns a new
        token for this browser."""
        account = self._session_account(token)
        now = self.clock.now()
        outbox = lifecycle.Outbox()
        done = lifecycle.change_profile(self.db, account, form, now, outbox, client)
        if done["password_changed"]:
            done["token"] = self._new_session(account, now)
        self.db.commit()
        self._send(outbox)
        return done

    @rpc
    def account_children(self, token):
        """Gateway, "Enfants": the children of the logged-in account, each with
        the guardian as the child's establishment knows them."""
        account = self._session_account(token)
        out = []
        for eleve in self._children(account):
            responsable = None
            if account.role == "responsable":
                responsable = next(({"prenom": r.prenom, "nom": r.nom} for r in account.responsables
                                    if r.etablissement_uai == eleve.etablissement_uai), None)
            out.append({"eleve_id": eleve.id, "nom": eleve.nom, "prenom": eleve.prenom,
                        "date_naissance": eleve.date_naissance.isoformat(), "classe": eleve.classe,
                        "etablissement_nom": eleve.etablissement.nom, "responsable": responsable})
        return out

    @rpc
    def merge_accounts(self, token, identifiant, password, client=None):
        """Gateway, "Regrouper des comptes" (a guardian): the other account's
        children join the logged-in account, the other account is deleted.
        Raises InvalidCredentials, ProvisionalPasswordExpired,
        TooManyAttempts (counted with the other account's logins), MergeRefused."""
        account = self._session_account(token)
        result = lifecycle.merge(self.db, account, identifiant, password, self.clock.now(), client)
        self.db.commit()
        return result

    @rpc
    def audit_log(self, identifiant, uai=None):
        """Gateway: an account's journal, newest first. With `uai` (staff, after
        the gateway checked they administer it), only what happened while the
        account belonged to that establishment."""
        return audit.journal(self.db, (identifiant or "").strip().lower(), uai)

    # -- the daily jobs ---------------------------------------------------
    @timer(interval=JOBS_CHECK_SECONDS)
    def daily_jobs_timer(self):
        self._daily_jobs()

    @rpc
    def run_daily_jobs(self):
        """Operators and tests: what the timer does, now. Runs the purge if it
        has not run today (French day, from the clock); returns its report, or
        None if today's run was already done."""
        return self._daily_jobs()

    def _daily_jobs(self):
        now, today = self.clock.now(), self.clock.today()
        row = self.db.scalar(select(JobRun).where(JobRun.name == "purge").with_for_update())
        if row is not None and row.last_day >= today:
            self.db.rollback()
            return None
        report = lifecycle.purge(self.db, now, client="purge quotidienne")
        report["limites_effacees"] = throttle.forget_old(self.db, now)
        report["nouveautes_effacees"] = news.forget_old(self.db, now)
        if row is None:
            row = JobRun(name="purge")
            self.db.add(row)
        row.last_day, row.last_run_at, row.report = today, now, json.dumps(report)
        self.db.commit()
        return report

    # -- views ----------------------------------------------------------
    def _children(self, account) -> list[Eleve]:
        if account.role == "eleve":
            return [account.eleve] if account.eleve and account.eleve.active else []
        if account.role != "responsable":
            return []
        return list(self.db.scalars(
            select(Eleve).join(Lien).join(Responsable)
            .where(Responsable.account_id == account.id, Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL,
                   Eleve.active.is_(True))
            .options(selectinload(Eleve.etablissement))
            .order_by(Eleve.date_naissance, Eleve.prenom)).unique())

    def _view(self, account) -> dict:
        today = self.clock.today()
        if account.role == "eleve" and account.eleve:
            prenom, nom = account.eleve.prenom, account.eleve.nom
        elif account.responsables:
            prenom, nom = account.responsables[0].prenom, account.responsables[0].nom
        else:
            prenom, nom = account.prenom or "", account.nom or account.identifiant
        return {
            "id": account.id, "identifiant": account.identifiant, "role": account.role,
            "etablissement_uai": account.etablissement_uai if account.role == "staff" else None,
            "fonction": account.fonction,
            "prenom": prenom, "nom": nom, "email": account.email,
            "email_confirmed": account.email_confirmed_at is not None,
            "must_change_password": account.password_provisional,
            "must_confirm_email": self._must_confirm_email(account),
            "previous_login_at": account.previous_login_at,
            "children": [{
                "eleve_id": e.id, "nom": e.nom, "prenom": e.prenom, "date_naissance": e.date_naissance,
                "classe": e.classe, "etablissement_uai": e.etablissement_uai,
                "etablissement_nom": e.etablissement.nom, "eleve_majeur": age_on(e.date_naissance, today) >= 18,
                # Carried here so the home page needs no call of its own for it.
                "etablissement_message": e.etablissement.message_accueil,
            } for e in self._children(account)],
        }

    @rpc
    def get_etablissement(self, uai):
        """Gateway: an establishment's name and welcome message."""
        etab = self.db.get(Etablissement, uai)
        if etab is None:
            raise NotFound(uai)
        return {"uai": etab.uai, "nom": etab.nom, "type": etab.type, "commune": etab.commune,
                "message_accueil": etab.message_accueil}

    @rpc
    def list_eleves(self, uai):
        """Back-office imports of other services (notes) and the demo
        generator: the establishment's current students, to match the school's
        identifiers (SIECLE id, INE) with `eleve_id`."""
        eleves = self.db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True))
                                 .order_by(Eleve.classe, Eleve.nom, Eleve.prenom))
        return [{"eleve_id": e.id, "siecle_eleve_id": e.siecle_eleve_id, "ine": e.ine, "nom": e.nom,
                 "prenom": e.prenom, "classe": e.classe} for e in eleves]

    @rpc
    def list_etablissements(self):
        """Gateway administration pages (operators): every establishment."""
        return [{"uai": e.uai, "nom": e.nom, "type": e.type, "commune": e.commune}
                for e in self.db.scalars(select(Etablissement).order_by(Etablissement.nom))]

    @rpc
    def set_message_accueil(self, uai, message, account_id):
        """Gateway administration pages: the establishment's welcome message,
        plain text (shown with its line breaks, never as HTML). Only the
        establishment's staff or an operator may set it."""
        account = self.db.get(Account, account_id)
        if account is None or not (account.role == "operator"
                                   or (account.role == "staff" and account.etablissement_uai == uai)):
            raise Forbidden("Vous n'administrez pas cet établissement.")
        data = load_or_raise(MessageAccueilSchema(), {"message": message})
        etab = self.db.get(Etablissement, uai)
        if etab is None:
            raise NotFound(uai)
        etab.message_accueil = data["message"]
        self.db.commit()
        return {"message_accueil": etab.message_accueil}

    # -- the menu contract ("Mon compte") --------------------------------
    def menu_entry(self, child):
        return {"label": "Mon compte", "path": "/compte", "order": 90}


