"""The accounts service: identities, establishments, children links, sessions.

Every method is called by the gateway (pages), the import CLI or the demo
generator; each docstring says who may call it and what it promises.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from common.clock import ClockProvider, add_months, age_on
from common.contract import FeatureContract
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.messaging import rpc
from common.schemas import load_or_raise
from services.accounts import importing
from services.accounts.exceptions import (
    InvalidCredentials, ProvisionalPasswordExpired, SessionExpired,
)
from services.accounts.models import Account, Eleve, Etablissement, Lien, Responsable, Session
from services.accounts.passwords import generate_provisional_password, hash_password, verify_password
from services.accounts.schemas import (
    AccountViewSchema, FirstConnectionSchema, MessageAccueilSchema, SiecleImportSchema, StaffAccountSchema,
)

# Guide § 1.1: a notification letter is valid 3 months for creating the account.
LETTER_VALIDITY_MONTHS = 3
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
# Writing last_seen_at on every page would turn each read into a write.
SESSION_TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def letter_valid_until(account: Account):
    return add_months(account.provisional_issued_at, LETTER_VALIDITY_MONTHS)


class AccountsService(FeatureContract):
    name = "accounts"

    db = Database()
    clock = ClockProvider()

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
    def issue_letters(self, uai, eleve_ids=None, only_new=False):
        """Staff (letters) and the demo generator: for the accounts of these
        students of `uai` and of their legal guardians (all of the
        establishment's when `eleve_ids` is None), a new provisional password
        for every account not yet in use; an account in use keeps its password
        and its letter only recalls the identifier. Returns one letter each."""
        query = select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True)).options(
            selectinload(Eleve.liens).selectinload(Lien.responsable).selectinload(Responsable.account))
        if eleve_ids is not None:
            query = query.where(Eleve.id.in_(eleve_ids))
        eleves = self.db.scalars(query.order_by(Eleve.classe, Eleve.nom, Eleve.prenom)).all()
        student_accounts = {a.eleve_id: a for a in self.db.scalars(
            select(Account).where(Account.eleve_id.in_([e.id for e in eleves])))}
        now = self.clock.now()
        letters, seen = [], set()

        def letter(account, nom, prenom, eleve):
            if account is None or account.id in seen:
                return
            seen.add(account.id)
            in_use = account.activated_at is not None
            if in_use and only_new:
                return
            password = None
            if not in_use:
                password = generate_provisional_password()
                account.password_hash = hash_password(password)
                account.password_provisional = True
                account.provisional_issued_at = now
            letters.append({
                "identifiant": account.identifiant, "role": account.role, "nom": nom, "prenom": prenom,
                "password": password,
                "valid_until": letter_valid_until(account).date().isoformat() if password else None,
                "eleve": f"{eleve.prenom} {eleve.nom}", "classe": eleve.classe,
            })

        for eleve in eleves:
            letter(student_accounts.get(eleve.id), eleve.nom, eleve.prenom, eleve)
            for lien in eleve.liens:
                if lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL:
                    resp = lien.responsable
                    letter(resp.account, resp.nom, resp.prenom, eleve)
        self.db.commit()
        return letters

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
        self.db.commit()
        return {"identifiant": account.identifiant, "password": password,
                "valid_until": letter_valid_until(account).date().isoformat()}

    # -- login and sessions ---------------------------------------------
    @rpc
    def login(self, identifiant, password):
        """Gateway, login form. Returns a new session token (a new session id at
        every login). Raises InvalidCredentials without saying which of the two
        was wrong, ProvisionalPasswordExpired after a correct but expired
        provisional password."""
        identifiant = (identifiant or "").strip().lower()
        account = self.db.scalar(select(Account).where(Account.identifiant == identifiant)) if identifiant else None
        # Verified even for an unknown identifier (against a dummy hash) so the
        # answer takes the same time either way.
        ok = verify_password(account.password_hash if account else None, password or "")
        if account is None or not ok:
            raise InvalidCredentials()
        now = self.clock.now()
        if account.password_provisional and now >= letter_valid_until(account):
            raise ProvisionalPasswordExpired()
        account.previous_login_at, account.last_login_at = account.last_login_at, now
        token = self._new_session(account, now)
        self.db.commit()
        return {"token": token, "must_change_password": account.password_provisional}

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
    def get_session(self, token):
        """Gateway, every page: who is logged in and which children they may
        see (a student: only themself; a guardian: the children they are legal
        guardian of, in every establishment merged into the account)."""
        account = self._session_account(token)
        return AccountViewSchema().dump(self._view(account))

    @rpc
    def logout(self, token):
        """Gateway: ends this session."""
        self.db.execute(delete(Session).where(Session.token_hash == token_hash(token or "")))
        self.db.commit()

    @rpc
    def first_connection(self, token, form):
        """Gateway, first-connection form. Checks the birth date (the student's
        own, or one of the guardian's children's), replaces the provisional
        password, records the e-mail; ends every session of the account and
        returns a new token. Raises ValidationError with French messages per
        field, having changed nothing."""
        account = self._session_account(token)
        if not account.password_provisional:
            raise ValidationError({"_": ["Votre compte est déjà activé."]})
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
            raise ValidationError({"date_naissance": [field_message]})
        now = self.clock.now()
        account.password_hash = hash_password(data["new_password"])
        account.password_provisional = False
        account.password_changed_at = now
        account.activated_at = account.activated_at or now
        if data.get("email"):
            account.email = data["email"].strip()
        self.db.execute(delete(Session).where(Session.account_id == account.id))
        new_token = self._new_session(account, now)
        self.db.commit()
        return {"token": new_token}

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

    def tiles(self, child, since):
        return []


