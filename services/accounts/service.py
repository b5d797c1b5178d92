"""The accounts service: identities, establishments, children links, sessions.

Every method is called by the gateway (pages), the import CLI or the demo
generator; each docstring says who may call it and what it promises.
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from common.clock import ClockProvider, school_year
from common.contract import FeatureContract
from common.db import Database
from common.errors import ValidationError
from common.idempotency import command, record_elsewhere
from common.mail_outbox import MailOutbox
from common.messaging import route_handler, rpc, work_dispatcher, work_handler
from common.schemas import load_or_raise
from common.settings import SettingsProvider, setting_timer
from services.accounts import (
    audit, etablissements, family, first_connection, import_child, importing, jobs, letters, liens, lifecycle, news,
    rentree, rules, sessions, staff,
)
from services.accounts.dependencies import AfterReply, HashThreads
from services.accounts.models import Account
from services.accounts.rules import administers
from services.accounts.schemas import AccountViewSchema, AuditQuerySchema, LettersRequestSchema, SiecleImportSchema
from services.accounts.settings import AccountsSettings
from services.accounts.view_generations import ViewGenerations

log = logging.getLogger(__name__)
# One instance for every view: a marshmallow schema holds no state between dumps,
# and making one copies its declared fields.
_ACCOUNT_VIEW_SCHEMA = AccountViewSchema()


def _refused(report: dict) -> dict:
    """An import refused because it would detach most of the establishment's
    students: its report, and nothing created, updated or kept."""
    return {"refused": report, "created": {}, "updated": {}, "unchanged": {}, "skipped": []}


class AccountsService(MailOutbox, FeatureContract):
    name = "accounts"
    # Gateways keep its menu entry per establishment (the same entry for every child).
    menu_per_child = False
    settings_class = AccountsSettings

    db = Database()
    clock = ClockProvider()
    settings = SettingsProvider()
    hash_threads = HashThreads()
    # Every e-mail goes through the mailer, as a durable work event sent after
    # the commit (common/mail.py).
    # The self-help requests' second step, handled by this service itself,
    # published once the answer went out.
    recovery_events = work_dispatcher()
    after_reply = AfterReply()
    # What the gateway caches of an account is tagged with these counters; each
    # change below bumps them after its commit, before the reply
    # (services/accounts/view_generations.py).
    views = ViewGenerations()

    # -- back office ----------------------------------------------------
    @rpc
    @command
    def import_siecle(self, payload, confirm=False, dry_run=False):
        """Import CLI, the rollover (`tools.rentree`) and demo generator: the
        establishment's students, guardians and links as its SIECLE file holds
        them now; creates the accounts they need (without passwords: a letter
        gives them one), keeps every account, ends what the file no longer
        holds (services/accounts/rentree.py). Returns what was created,
        updated, left unchanged, skipped. An import that would detach most of
        the establishment's students changes nothing and returns `refused`
        (its report) unless `confirm`. `dry_run` answers the same report and
        changes nothing."""
        if import_child.wanted(payload):
            return self._import_in_child(payload, bool(confirm), bool(dry_run))
        data = load_or_raise(SiecleImportSchema(), payload)
        students = len(data["eleves"])
        try:
            report = importing.import_siecle(self.db, data, self.clock.now(), self.clock.today(),
                                             confirm=bool(confirm))
        except rentree.DetachRefused as refused:
            self.db.rollback()
            return _refused(refused.report)
        finally:
            del data
            importing.release_memory(students)
        if dry_run:
            self.db.rollback()
            return {**report, "dry_run": True}
        self.db.commit()
        self.views.changed_all()
        return report

    def _import_in_child(self, payload, confirm, dry_run):
        """A large establishment's import, the same, in a short-lived process
        (services/accounts/import_child.py): this process does not keep what
        the import made it grow to (issue 19)."""
        record, committed = record_elsewhere(self.db)
        self.db.rollback()  # nothing of this worker's is pending: the child has the database
        answer = import_child.run(self.db.get_bind().url.render_as_string(hide_password=False), payload,
                                  self.clock.now(), self.clock.today(), confirm, dry_run, record)
        students = len(payload["eleves"])
        importing.release_memory(students)
        log.info("accounts: import of %s students in a child process, its peak %.1f MB",
                 students, answer["peak_mb"])
        if "invalid" in answer:
            raise ValidationError(answer["invalid"])
        if "integrity_error" in answer:
            raise IntegrityError("import_siecle (child process)", None, Exception(answer["integrity_error"]))
        if "refused" in answer:
            return _refused(answer["refused"])
        if dry_run:
            return {**answer["report"], "dry_run": True}
        if committed is not None:
            committed()
        self.views.changed_all()
        return answer["report"]

    @rpc
    @command
    def issue_letters(self, uai, eleve_ids=None, only_new=False, classe=None, client=None, identifiants=None):
        """Staff (letters page, after the gateway checked they administer
        `uai`) and the demo generator: one letter per account of the chosen
        students of `uai` (all of them, `eleve_ids`, or one `classe`) and of
        their legal guardians. An account not in use gets a new provisional
        password valid 3 months (the previous letter dies); an account in use
        keeps its password and its letter only recalls the identifier;
        `only_new` keeps the accounts never notified, `identifiants` only
        those accounts. An account the purge deleted is created again.
        Returns one letter each."""
        asked = load_or_raise(LettersRequestSchema(), {"uai": uai, "eleve_ids": eleve_ids, "classe": classe,
                                                       "only_new": only_new, "identifiants": identifiants})
        issued = letters.issue(self.db, asked["uai"], self.clock.now(), eleve_ids=asked["eleve_ids"],
                               classe=asked["classe"], only_new=asked["only_new"], client=client,
                               identifiants=asked["identifiants"])
        self.db.commit()
        self.views.changed_all()
        return issued

    @rpc
    @command
    def notify_by_email(self, uai, eleve_ids=None, only_new=False, classe=None, client=None):
        """Staff (letters page, after the gateway checked they administer
        `uai`): the same notifications as `issue_letters`, for the same
        choice of students, sent by e-mail to the address SIECLE holds for
        each person, with the same rules (letters.notify_by_email). Returns
        who was mailed and who has no address and needs a letter."""
        asked = load_or_raise(LettersRequestSchema(), {"uai": uai, "eleve_ids": eleve_ids, "classe": classe,
                                                       "only_new": only_new})
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        result = letters.notify_by_email(self.db, asked["uai"], self.clock.now(), outbox, self.settings.own.public_url,
                                         rules.describe(), eleve_ids=asked["eleve_ids"], classe=asked["classe"],
                                         only_new=asked["only_new"], client=client)
        self.commit_with_mail(*outbox)
        return result

    @rpc
    def notification_history(self, uai):
        """Staff letters page: who was notified how (letter or e-mail) and
        when at `uai`, newest first."""
        return letters.history(self.db, uai)

    @rpc
    def letter_choices(self, uai):
        """Staff letters page: the establishment's classes and active students."""
        return letters.choices(self.db, uai)

    @rpc
    @command
    def create_staff_account(self, payload):
        """Académie operators (gateway admin pages, `python -m tools.staff`, the
        demo generator): a staff account of one establishment, or another
        operator. Returns its identifier and provisional password, once."""
        created = staff.create(self.db, payload, self.clock.now())
        self.db.commit()
        return created

    @rpc
    def list_staff(self):
        """Académie operators (staff accounts page): every staff and operator account."""
        return staff.listing(self.db)

    # -- login and sessions ---------------------------------------------
    @rpc
    def login(self, identifiant, password, client=None):
        """Gateway, login form; `client` is the browser's address, for the
        journal. Returns a new session token (a new session id at every login).
        Raises InvalidCredentials without saying which of the two was wrong,
        ProvisionalPasswordExpired after a correct but expired provisional
        password, TooManyAttempts after repeated failures for this identifier
        (known or not: the answer never tells whether it exists)."""
        result = sessions.login(self.db, identifiant, password, self.clock.now(), client)
        self.db.commit()
        # The previous connection moved: the account's other sessions' tiles count from it.
        generations = self.views.changed_reading(result["account_id"])
        if generations is not None:
            # The first pages' view and tiles come with the login, tagged with
            # the counters as they stand after this login's own bump and before
            # the view is read: the gateway keeps them, and the first pages ask
            # nothing more of this service (docs/performance.md). Any change
            # committed after this read bumps a counter, so the entry is never
            # used past it.
            result["view"] = self._view(self.db.get(Account, result["account_id"]), result["token"], True)
            result["generations"] = generations
        return result

    def _changed_identifiant(self, identifiant):
        account_id = self.db.scalar(select(Account.id).where(Account.identifiant == identifiant))
        self.db.rollback()
        self.views.changed(account_id)

    def _session_account(self, token):
        return sessions.session_account(self.db, token, self.clock.now())

    @rpc
    def get_session(self, token, with_tiles=False):
        """Gateway, every page: who is logged in and which children they may
        see (a student: only themself; a guardian: the children they are legal
        guardian of, in every establishment merged into the account). With
        `with_tiles` (the home page), each child's tiles of what became visible
        since the previous connection, from the news services sent (news.py)."""
        return self._view(self._session_account(token), token, with_tiles)

    def _view(self, account, token, with_tiles):
        now = self.clock.now()
        view = family.account_view(self.db, account, self.clock.today())
        eleve_ids = [c["eleve_id"] for c in view["children"]]
        if with_tiles:
            by_child = news.tiles(self.db, eleve_ids, account.previous_login_at, now)
            for child in view["children"]:
                child["tiles"] = by_child.get(child["eleve_id"], [])
        dumped = _ACCOUNT_VIEW_SCHEMA.dump(view)
        # How long the gateway may keep this view (docs/performance.md): not past
        # the session's own end, nor past the next tile due to appear by time.
        dumped["session_valid_until"] = sessions.session_valid_until(self.db, token, now).isoformat()
        if with_tiles:
            due = news.next_visible(self.db, eleve_ids, now)
            dumped["tiles_valid_until"] = due.isoformat() if due is not None else None
        return dumped

    @route_handler("news")
    def on_news(self, payload, sender):
        """Every feature service's news (contract.news), kept for the home
        page's tiles. A service speaks only for itself: its items are kept
        under the name it sent them from, whatever the payload says."""
        stored = {**payload, "service": sender}
        try:
            news.store(self.db, stored)
            self.db.commit()
        except IntegrityError:
            # Another instance stored the same kind or item first (two handle
            # a service's news side by side, and the first news of a kind
            # comes to both at once): once more, over the rows it wrote.
            self.db.rollback()
            news.store(self.db, stored)
            self.db.commit()
        self.views.children_changed(self.db, {item.get("eleve_id") for item in stored.get("items") or ()})

    @rpc
    def logout(self, token):
        """Gateway: ends this session."""
        account_id = sessions.session_account_id(self.db, token)
        sessions.close_session(self.db, token)
        self.db.commit()
        self.views.changed(account_id)

    @rpc
    @command
    def first_connection(self, token, form, client=None, check_only=False):
        """Gateway, first-connection form. Checks the birth date (the student's
        own, or one of the guardian's children's), replaces the provisional
        password, records the e-mail; ends every session of the account and
        returns a new token. An address given gets a confirmation link (3
        months); a guardian must follow it before reaching any service.
        Raises ValidationError with French messages for every field at once,
        having changed nothing; TooManyAttempts after repeated wrong birth
        dates. `check_only`: the gateway refused some field itself; every
        other field is checked (and a wrong birth date counted), nothing else.
        """
        account = self._session_account(token)
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        result = first_connection.activate(self.db, account, form, self.clock.now(), outbox, client, check_only)
        self.commit_with_mail(*outbox)
        self.views.changed(account.id)
        return result

    # -- the address, self-help, profile, merging (services/accounts/lifecycle.py)
    @rpc
    @command
    def resend_confirmation(self, token, email=None, email_confirm=None, client=None):
        """Gateway: "Vérification mail" (a guardian whose address is not
        confirmed; the address may be corrected there) and the profile's
        button (a student). Sends a new confirmation link; returns the address."""
        account = self._session_account(token)
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        form = None if email is None and email_confirm is None else {"email": email, "email_confirm": email_confirm}
        sent_to = lifecycle.resend_confirmation(self.db, account, form, self.clock.now(), outbox, client)
        self.commit_with_mail(*outbox)
        self.views.changed(account.id)
        return {"email": sent_to}

    @rpc
    @command
    def confirm_email(self, token, client=None):
        """Gateway, the link of a confirmation (or change of address) mail,
        followed by anyone holding it: confirms the address. Raises
        TokenInvalid or TokenExpired."""
        result = lifecycle.confirm_email(self.db, token, self.clock.now(), client)
        self.db.commit()
        if not result["already_confirmed"]:  # a link followed again changes nothing
            self._changed_identifiant(result["identifiant"])
        return result

    @rpc
    @command
    def forgotten_identifier(self, email, client=None):
        """Gateway, "identifiant oublié" (anyone): checks and counts the
        request, and answers nothing either way, after the same work whether
        the address is known or not; the identifiers of the accounts whose
        confirmed address this is are mailed by `on_recovery_requested`."""
        request = lifecycle.request_identifier_reminder(self.db, email, self.clock.now(), client)
        self.db.commit()
        self.after_reply(self.recovery_events, lifecycle.RECOVERY_REQUESTED, request)

    @rpc
    @command
    def forgotten_password(self, identifiant, client=None):
        """Gateway, "mot de passe oublié" (anyone): checks and counts the
        request, and answers nothing either way, after the same work whether
        the account exists or not; `on_recovery_requested` mails a reset link
        valid one week if the account has a confirmed address."""
        request = lifecycle.request_password_reset(self.db, identifiant, self.clock.now(), client)
        self.db.commit()
        self.after_reply(self.recovery_events, lifecycle.RECOVERY_REQUESTED, request)

    @work_handler("accounts", lifecycle.RECOVERY_REQUESTED)
    def on_recovery_requested(self, payload):
        """Accounts itself (the two requests above), once each answered: the
        identifier reminder or the reset link, if an account qualifies."""
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        lifecycle.fulfil_recovery(self.db, payload, outbox)
        self.commit_with_mail(*outbox)

    @rpc
    def check_reset_token(self, token):
        """Gateway, the reset link opened: whether it may still be used."""
        return lifecycle.check_reset(self.db, token, self.clock.now())

    @rpc
    @command
    def reset_password(self, token, form, client=None):
        """Gateway, the reset link's form: sets the new password, uses the link
        up and ends every session of the account."""
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        result = lifecycle.reset_password(self.db, token, form, self.clock.now(), outbox, client)
        self.commit_with_mail(*outbox)
        self._changed_identifiant(result["identifiant"])
        return result

    @rpc
    @command
    def change_profile(self, token, form, client=None):
        """Gateway, profile ("Modification de vos informations"), for the
        logged-in account. A new password ends every session and returns a new
        token for this browser."""
        account = self._session_account(token)
        now = self.clock.now()
        outbox = lifecycle.Outbox(self.settings.own.public_url)
        done = lifecycle.change_profile(self.db, account, form, now, outbox, client)
        if done["password_changed"]:
            done["token"] = sessions.open_session(self.db, account, now)
        self.commit_with_mail(*outbox)
        self.views.changed(account.id)
        return done

    @rpc
    def account_children(self, token):
        """Gateway, "Enfants": the children of the logged-in account, each with
        the guardian as the child's establishment knows them."""
        return family.children_page(self.db, self._session_account(token), self.clock.today())

    @rpc
    @command
    def merge_accounts(self, token, identifiant=None, password=None, client=None, ticket=None):
        """Gateway, "Regrouper des comptes" (a guardian): the other account's
        children join the logged-in account, the other account is deleted.
        With `ticket` (from `preview_merge`, the confirmation step), the
        credentials checked then are not sent again. Raises
        InvalidCredentials, ProvisionalPasswordExpired, TooManyAttempts
        (counted with the other account's logins), MergeRefused; with a
        ticket, TokenInvalid or TokenExpired."""
        account = self._session_account(token)
        now = self.clock.now()
        if ticket is not None:
            result = lifecycle.merge_by_ticket(self.db, account, ticket, now, client)
        else:
            result = lifecycle.merge(self.db, account, identifiant, password, now, client)
        self.db.commit()
        return result

    @rpc
    @command
    def preview_merge(self, token, identifiant, password, client=None):
        """Gateway, "Regrouper des comptes", the "Suivant" button: checks the
        other account's credentials like `merge_accounts` (same refusals,
        counted alike) and merges nothing; returns its identifier, its
        children and a ticket (15 minutes, once) to confirm the merge."""
        account = self._session_account(token)
        result = lifecycle.preview_merge(self.db, account, identifiant, password, self.clock.now(), client)
        self.db.commit()
        # The merged account is gone (its sessions with it), its children moved.
        self.views.changed_all()
        return result

    @rpc
    def audit_log(self, identifiant, uai=None):
        """Gateway: an account's journal, newest first. With `uai` (staff, after
        the gateway checked they administer it), only what happened while the
        account belonged to that establishment."""
        query = load_or_raise(AuditQuerySchema(), {"identifiant": identifiant, "uai": uai})
        return audit.journal(self.db, (query["identifiant"] or "").strip().lower(), query["uai"])

    # -- the daily jobs ---------------------------------------------------
    # How often the daily jobs (the purge) look whether today's run is done.
    @setting_timer("own.jobs_check_seconds")
    def daily_jobs_timer(self):
        self._run_daily_jobs()

    def _run_daily_jobs(self):
        report = jobs.run_daily(self.db, self.clock.now(), self.clock.today())
        if report is not None:
            # Purged accounts' sessions ended with them.
            self.views.changed_all()
        return report

    @rpc
    def run_daily_jobs(self):
        """Operators and tests: what the timer does, now. Runs the purge if it
        has not run today (French day, from the clock); returns its report, or
        None if today's run was already done."""
        return self._run_daily_jobs()

    # -- establishments -------------------------------------------------
    @rpc
    def get_etablissement(self, uai):
        """Gateway: an establishment's name and welcome message."""
        return etablissements.get(self.db, uai)

    @rpc
    def list_eleves(self, uai):
        """Back-office imports of other services (notes) and the demo
        generator: the establishment's current students, to match the school's
        identifiers (SIECLE id, INE) with `eleve_id`."""
        return etablissements.eleves(self.db, uai)

    @rpc
    def siecle_identity(self, account_id, eleve_id):
        """Feature services that keep their own copy of the SIECLE record (the
        fiche): who this account is for this student, in SIECLE's identifiers
        ({"etablissement_uai", "siecle_eleve_id", "siecle_personne_ids" (the
        guardian's persons linked to the student as legal representative,
        none for the student's own account), and the account's "email",
        "prenom", "nom"}). NotFound unless the account is the active student's
        own or one of their legal guardians'."""
        return family.siecle_identity(self.db, account_id, eleve_id)

    @rpc
    def rules(self):
        """Gateway (cached per worker): the account rules as pages show them,
        password length and classes, how long links and letters stay valid
        (services/accounts/rules.py). Promises the words the rules apply."""
        return rules.describe()

    @rpc
    def administers(self, account_id, uai, domaine="etablissement"):
        """Feature services, before they let a person change an establishment's
        settings (FeatureContract.set_opening; vie scolaire's with
        `domaine="vie_scolaire"`): True when the account is an académie
        operator or that establishment's staff whose function covers the
        domain (rules.administers), the only rule for it."""
        return administers(liens.account_of(self.db, account_id), uai, domaine)

    @rpc
    def list_etablissements(self):
        """Gateway administration pages (operators): every establishment."""
        return etablissements.listing(self.db)

    @rpc
    @command
    def set_message_accueil(self, uai, message, account_id):
        """Gateway administration pages: the establishment's welcome message,
        plain text (shown with its line breaks, never as HTML). Only the
        establishment's staff or an operator may set it."""
        result = etablissements.set_message_accueil(self.db, uai, message, account_id)
        self.db.commit()
        # Every page of the establishment's families carries the message.
        self.views.changed_all()
        return result

    # -- the académie's services shown as links (liens.py) -----------------
    @rpc
    @command
    def declare_lien(self, payload, account_id):
        """Académie operators (gateway administration pages, the demo
        generator): declares an académie service shown as a link, closed in
        every establishment until its staff open it. Raises ValidationError
        (French, per field: https address unless `http_autorise`), Forbidden
        for anyone but an operator."""
        result = liens.declare(self.db, payload, account_id, self.clock.now())
        self.db.commit()
        return result

    @rpc
    @command
    def update_lien(self, lien_id, payload, account_id):
        """Académie operators: changes a declared link (openings kept)."""
        result = liens.update(self.db, lien_id, payload, account_id, self.clock.now())
        self.db.commit()
        return result

    @rpc
    @command
    def remove_lien(self, lien_id, account_id):
        """Académie operators: withdraws a link from every menu."""
        liens.remove(self.db, lien_id, account_id)
        self.db.commit()

    @rpc
    def list_liens(self):
        """Académie operators' page: every declared link."""
        return liens.listing(self.db)

    @rpc
    def get_lien(self, lien_id):
        """Académie operators' page: one declared link (NotFound)."""
        return liens.get(self.db, lien_id)

    @rpc
    def lien_openings(self, uai, annee_scolaire=None):
        """Establishment administration page (after the gateway checked the
        viewer administers `uai`): the links meant for its kind of
        establishment, each open or not for the school year (current by default)."""
        return liens.openings(self.db, uai, annee_scolaire or school_year(self.clock.today()))

    @rpc
    @command
    def set_lien_opening(self, uai, lien_id, is_open, account_id, annee_scolaire=None):
        """Establishment administration page: its staff (or an operator) open
        or close a link for the current or the next school year. Forbidden for
        anyone else or a link not meant for this kind of establishment."""
        result = liens.set_opening(self.db, uai, lien_id, is_open, account_id, annee_scolaire,
                                   self.clock.now(), self.clock.today())
        self.db.commit()
        return result

    @rpc
    def login_message(self):
        """Gateway, the login page: the académie's "Message d'accueil" (plain
        text, shown with its line breaks, never as HTML)."""
        return etablissements.login_message(self.db)

    @rpc
    @command
    def set_login_message(self, message, account_id):
        """Gateway administration page: an académie operator sets the login
        page's welcome message. Raises Forbidden for anybody else,
        ValidationError for a message past 2000 characters."""
        result = etablissements.set_login_message(self.db, message, account_id, self.clock.now())
        self.db.commit()
        self.views.login_message_changed()
        return result

    # -- the menu contract ("Mon compte") --------------------------------
    def menu_entry(self, child):
        return {"label": "Mon compte", "path": "/compte", "order": 90}


