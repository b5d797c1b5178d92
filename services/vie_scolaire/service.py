"""The vie scolaire service: absences, retards, punitions, sanctions and
mesures, the publication rules of guide § 3.4, the families' online
justification of absences and the school's absentéisme alerts (issue 15).

The back office (import CLI, demo generator) puts the school's motif table,
punishments, period calendar and events in; families read, through the
gateway, only the published events of the child named in the child context,
which the gateway built after checking the viewer's link to that child; the
school's staff, through the gateway's administration pages, after the
gateway checked they administer the establishment. Each docstring says who
may call and what the method promises.
"""
import base64
from datetime import datetime

from sqlalchemy import select

from common.clock import PARIS, ClockProvider, school_year
from common.typography import french_date, french_time
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.mail_outbox import MailOutbox
from common.mail import mail_request, normalize_address, right_to_disconnect_not_before
from common.messaging import rpc
from common.idempotency import command
from common.kept_pages import KeptPages, generation, next_midnight, version_of
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise, optional_instant
from contract.etablissement import check_uai
from services.vie_scolaire import documents, importing, news, pages, reglages
from services.vie_scolaire.exceptions import VieScolaireClosed
from services.vie_scolaire.models import (ABSENCE, ACCEPTEE, EN_ATTENTE, REFUSEE, EtablissementSettings,
                                          Evenement, Justification, Motif, Opening, PageGeneration, TypePunition)
from services.vie_scolaire.publication import is_visible
from services.vie_scolaire.schemas import AuteurSchema, DecisionSchema, JustificationSchema, SettingsSchema

# Families' pages kept per process (about 13 KB each for a full year): see `page`.
PAGES_KEPT = 500
_PAGES = KeptPages(PAGES_KEPT)


def _integer(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({name: ["Nombre entier attendu."]})
    return value


def describe_absence(event: Evenement) -> str:
    """"le 04/11/2026 de 8 h 00 à 11 h 55", as the mails say it (common/typography.py)."""
    debut, fin = event.debut.astimezone(PARIS), event.fin.astimezone(PARIS)
    if debut.date() == fin.date():
        return f"le {french_date(debut)} de {french_time(debut)} à {french_time(fin)}"
    return f"du {french_date(debut)} à {french_time(debut)} au {french_date(fin)} à {french_time(fin)}"


class VieScolaireService(MailOutbox, FeatureContract):
    name = "vie_scolaire"
    # Gateways keep its menu entry per establishment (the entry says only whether the establishment opened it).
    menu_per_child = False

    db = Database()
    clock = ClockProvider()
    # Only to match imported students with accounts (always deployed).
    accounts = ServiceRpc("accounts", timeout=30)
    # The answer to a justification goes to the family through the mailer, as
    # a durable work event sent after the commit (common/mail.py).

    # The head opens it (FAQ: opening the online services is the head's call).
    opening_model = Opening
    opened_by_default = False
    # The home page's tiles, counted by accounts from the items sent (news.py).
    news_kinds = news.KINDS

    def _commit_or_rollback(self, work):
        try:
            result = work()
        except Exception:
            self.db.rollback()
            raise
        self.db.commit()
        return result

    # -- back office ----------------------------------------------------
    @rpc
    @command
    def import_motifs(self, uai, rows):
        """Import CLI and demo generator: the establishment's motif table
        ({"code", "libelle", "parents"} per row: `parents` says a family may
        pick it when justifying online). Created or updated by code; all or
        nothing, a refusal (ValidationError {"lignes": [...]}) names each
        faulty line."""
        check_uai(uai)
        return self._commit_or_rollback(lambda: importing.import_codes(self.db, Motif, uai, rows))

    @rpc
    @command
    def import_punitions(self, uai, rows):
        """Import CLI and demo generator: the establishment's list of
        punishments ({"code", "libelle"} per row), as `import_motifs`."""
        check_uai(uai)
        return self._commit_or_rollback(lambda: importing.import_codes(self.db, TypePunition, uai, rows))

    @rpc
    @command
    def import_periodes(self, uai, rows):
        """Import CLI and demo generator: the period calendar, trimesters or
        semesters per class ({"classe" (empty: every class without its own),
        "numero", "libelle", "debut", "fin"} per row). Replaces the calendar
        of each class named; all or nothing, as `import_motifs`."""
        check_uai(uai)
        report = self._commit_or_rollback(lambda: importing.import_periodes(self.db, uai, rows))
        self._resend_absences(uai)
        return report

    @rpc
    @command
    def import_evenements(self, uai, rows):
        """Import CLI and demo generator: events, one row per event as in the
        documented file (docs/vie_scolaire.md), students named by their SIECLE
        identifier in `uai`. An event already imported (same `ref`) is
        corrected and its previous values kept; "erreur de saisie" in
        `annulation` cancels it. All or nothing: a refusal (ValidationError
        {"lignes": [...]}) names each faulty line and nothing is written.
        Returns counts of what was created, corrected, unchanged, cancelled;
        the home page's news of the events touched are sent to accounts."""
        check_uai(uai)
        eleves = {e["siecle_eleve_id"]: e for e in self.accounts.list_eleves(uai=uai)}
        report, touched = self._commit_or_rollback(
            lambda: importing.import_evenements(self.db, uai, rows, eleves, self.clock.now()))
        self.publish_news(news.items(self.db, touched, pages.boundary(self.db, uai)))
        return report

    def _check_rights(self, uai, account_id) -> None:
        """A person's change (an account, from the administration pages): only
        the establishment's staff whose function covers vie scolaire (its
        direction, secretariat, CPE) or an operator, accounts' rule. The back
        office's tools pass no account."""
        if account_id is not None and not self.accounts.administers(account_id=account_id, uai=uai,
                                                                    domaine="vie_scolaire"):
            raise Forbidden("Vous n'administrez pas la vie scolaire de cet établissement.")

    @rpc
    @command
    def set_settings(self, uai, heure_demi_journee, account_id=None):
        """Import CLI, demo generator and administration pages (the viewer's
        account, checked with accounts): the time that splits the school day
        into half-days ("12:00"). The year's absences are counted again, so
        their news are sent again."""
        data = load_or_raise(SettingsSchema(), {"uai": uai, "heure_demi_journee": heure_demi_journee,
                                                "account_id": account_id})
        self._check_rights(uai, data["account_id"])
        settings = self.db.get(EtablissementSettings, uai) or EtablissementSettings(etablissement_uai=uai)
        settings.heure_demi_journee = data["heure_demi_journee"]
        settings.changed_at, settings.changed_by = self.clock.now(), data["account_id"]
        self.db.add(settings)
        self.db.commit()
        self._resend_absences(uai)
        return self.get_settings(uai)

    def _resend_absences(self, uai) -> None:
        """The year's absences counted again (a new boundary or calendar):
        their tiles' half-days and periods change."""
        year_absences = list(self.db.scalars(select(Evenement).where(
            Evenement.etablissement_uai == uai, Evenement.nature == ABSENCE,
            Evenement.annee_scolaire == school_year(self.clock.today()))))
        self.publish_news(news.items(self.db, year_absences, pages.boundary(self.db, uai)))

    @rpc
    def reglages(self, uai):
        """Administration pages (after the gateway checked the viewer
        administers `uai`'s vie scolaire): the half-day boundary, the motif
        table, the classes and this school year's period calendars."""
        return reglages.view(self.db, check_uai(uai), self.clock.today())

    @rpc
    def save_motif(self, uai, motif, account_id):
        """Administration pages: create or change one motif by code
        ({"code", "libelle", "parents"}); refusals per field, in French."""
        check_uai(uai)
        self._check_rights(uai, _integer(account_id, "account_id"))
        return self._commit_or_rollback(lambda: reglages.save_motif(self.db, uai, motif))

    @rpc
    def save_calendrier(self, uai, classe, periodes, account_id):
        """Administration pages: replace one class's period calendar (`classe`
        "" for the establishment's default) with 2 semesters or 3 trimesters
        ({"numero", "libelle", "debut", "fin"} with dates jj/mm/aaaa), by the
        import's rules; refusals per field ("p2_debut"). The year's absences'
        tiles are counted again."""
        check_uai(uai)
        self._check_rights(uai, _integer(account_id, "account_id"))
        report = self._commit_or_rollback(lambda: reglages.save_calendrier(self.db, uai, classe, periodes))
        self._resend_absences(uai)
        return report

    @rpc
    def get_settings(self, uai):
        """Administration pages: the establishment's half-day boundary ("12:00")."""
        return {"etablissement_uai": check_uai(uai),
                "heure_demi_journee": pages.boundary(self.db, uai).strftime("%H:%M")}

    # -- family pages ---------------------------------------------------
    def _open_child(self, child) -> dict:
        context = load_or_raise(child_context_schema, child)
        if not self.is_open(context["etablissement_uai"]):
            raise VieScolaireClosed(context["etablissement_uai"])
        return context

    @rpc
    def page(self, child, since=None, periode=None, known_version=None):
        """Gateway, the vie scolaire page of a child: this school year by
        period of the child's class (trimesters or semesters), each with its
        published events by kind, most recent first (date, duration or
        half-days, motif, justification state; `nouveau` when published after
        `since`, the viewer's previous connection), and its totals (half-days
        absent, of which unjustified; retards, of which unjustified); whether
        this viewer may justify, and the motifs a family may pick. With
        `periode` (a period's number, or "courante"), only that period's
        events are listed (`periode_affichee`), the totals still all.
        "version" names that content: a caller that kept the page of
        `known_version` gets {"version"} alone while the content is the same
        (the opening is checked each time). Raises VieScolaireClosed when the
        establishment has not opened the service."""
        context = self._open_child(child)
        if not (periode is None or periode == "courante" or (isinstance(periode, int) and not isinstance(periode, bool))):
            raise ValidationError({"periode": ["Numéro de période ou « courante » attendu."]})
        since_at = optional_instant(since, "since")
        uai, now = context["etablissement_uai"], self.clock.now()
        # Kept per process, keyed by what the page is built from; the
        # generation is read before the events, so a page built from rows
        # older than the generation it is kept under is never used.
        key = (str(self.db.get_bind().url), context["eleve_id"], uai, context["viewer_role"],
               context["eleve_majeur"], generation(self.db, PageGeneration, uai), since_at, periode)
        page = _PAGES.get(key, now)
        if page is None:
            page, next_at = pages.family_page_until(self.db, context, now, since_at, periode)
            page["version"] = version_of(page, key[1:5])
            _PAGES.put(key, page, now, min(next_at or next_midnight(now), next_midnight(now)))
        if known_version is not None and known_version == page["version"]:
            return {"version": page["version"]}
        return page

    @rpc
    @command
    def justify(self, child, evenement_id, form, auteur):
        """Gateway, a guardian (or an adult student) justifying one of the
        child's published absences: `form` {"motif" (from the school's
        parent-usable list), "commentaire", "document" ({"nom", "contenu"}
        base64, optional: PDF or image, at most 5 Mo)}; `auteur` the viewer's
        address and names, from their session, to mail them the school's
        answer. Forbidden for a minor student; NotFound for an event that is
        not this child's published absence; ValidationError (French, per
        field) when the absence is already justified or waiting, or the form
        is wrong — nothing is recorded then. Returns the new state."""
        context = self._open_child(child)
        if not pages.may_justify(context):
            raise Forbidden("Seul un responsable, ou l'élève majeur, peut justifier une absence.")
        event = self.db.get(Evenement, _integer(evenement_id, "evenement_id"))
        now = self.clock.now()
        if (event is None or event.eleve_id != context["eleve_id"] or event.nature != ABSENCE
                or event.etablissement_uai != context["etablissement_uai"] or not is_visible(event, now)):
            raise NotFound(evenement_id)
        data = load_or_raise(JustificationSchema(), form if isinstance(form, dict) else {})
        who = load_or_raise(AuteurSchema(), auteur if isinstance(auteur, dict) else {})
        errors = {}
        latest = pages.latest_justifications(self.db, [event.id]).get(event.id)
        state = pages.justification_state(event.justifiee, latest)["etat"]
        if state not in ("non_justifiee", "refusee"):
            errors["_"] = ["Cette absence est déjà justifiée ou sa justification attend la réponse de "
                           "l'établissement."]
        motif = self.db.scalar(select(Motif).where(Motif.etablissement_uai == event.etablissement_uai,
                                                   Motif.code == data["motif"].upper()))
        if motif is None or not motif.parents:
            errors["motif"] = ["Choisissez un motif de la liste."]
        document = document_type = None
        if data["document"] is not None:
            try:
                document = documents.decode(data["document"]["contenu"])
                document_type = documents.content_type(document)
            except documents.DocumentRefused as exc:
                errors["document"] = [str(exc)]
        if who["email"] is not None:
            try:
                who["email"] = normalize_address(who["email"])
            except ValueError as exc:
                errors["email"] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        self.db.add(Justification(
            evenement_id=event.id, etablissement_uai=event.etablissement_uai, eleve_id=event.eleve_id,
            account_id=context["viewer_account_id"], auteur=who, motif_code=motif.code,
            commentaire=data["commentaire"].strip(), document=document, document_type=document_type,
            document_nom=data["document"]["nom"] if document else None, deposee_le=now, etat=EN_ATTENTE))
        self.db.commit()
        return {"etat": EN_ATTENTE}

    # -- the school's administration pages ------------------------------
    @rpc
    def pending_justifications(self, uai):
        """Administration pages, after checking the viewer administers `uai`:
        the justifications waiting for an answer, oldest first."""
        return pages.pending(self.db, check_uai(uai))

    @rpc
    def justification_document(self, uai, justification_id):
        """Administration pages, after checking the viewer administers `uai`:
        the document joined to a justification ({"nom", "type", "contenu"}
        base64). NotFound for another establishment's or a missing one."""
        j = self.db.get(Justification, _integer(justification_id, "justification_id"))
        if j is None or j.etablissement_uai != check_uai(uai) or j.document is None:
            raise NotFound(justification_id)
        return {"nom": j.document_nom, "type": j.document_type, "contenu": base64.b64encode(j.document).decode()}

    @rpc
    @command
    def decide_justification(self, uai, justification_id, decision, account_id):
        """Administration pages, after checking the viewer administers `uai`:
        accept ({"accepter": true}: the absence becomes justified, with the
        family's motif) or refuse ({"accepter": false, "raison": ...}: it stays
        unjustified) a waiting justification; the family is mailed either way,
        after the commit. NotFound for another establishment's; ValidationError
        if it was already answered or a refusal has no reason."""
        j = self.db.get(Justification, _integer(justification_id, "justification_id"))
        if j is None or j.etablissement_uai != check_uai(uai):
            raise NotFound(justification_id)
        self._check_rights(uai, _integer(account_id, "account_id"))
        data = load_or_raise(DecisionSchema(), decision if isinstance(decision, dict) else {})
        if j.etat != EN_ATTENTE:
            raise ValidationError({"_": ["Cette justification a déjà reçu une réponse."]})
        event = self.db.get(Evenement, j.evenement_id)
        now = self.clock.now()
        j.etat, j.traitee_le, j.traitee_par = (ACCEPTEE if data["accepter"] else REFUSEE), now, account_id
        if data["accepter"]:
            event.justifiee, event.motif_code = True, j.motif_code
        else:
            j.raison_refus = data["raison"].strip()
        self.commit_with_mail(*self._decision_mail(j, event, now))
        return {"etat": j.etat}

    def _decision_mail(self, j: Justification, event: Evenement, now: datetime) -> list[dict]:
        who = j.auteur
        if not who["email"]:
            return []
        context = {"prenom": who["prenom"], "nom": who["nom"], "eleve_prenom": who["eleve_prenom"],
                   "eleve_nom": who["eleve_nom"], "etablissement_nom": who["etablissement_nom"],
                   "absence": describe_absence(event), "date_demande": j.deposee_le.isoformat()}
        if j.etat == REFUSEE:
            context["raison"] = j.raison_refus
        kind = "justification_absence_acceptee" if j.etat == ACCEPTEE else "justification_absence_refusee"
        # One request id per answer: a redelivered event never mails twice.
        return [mail_request(kind, who["email"], context, to_name=f"{who['prenom']} {who['nom']}",
                             not_before=right_to_disconnect_not_before(now), etablissement_uai=j.etablissement_uai,
                             account_id=j.account_id, request_id=f"vie_scolaire-justification-{j.id}")]

    @rpc
    def alerts(self, uai, annee=None, mois=None):
        """Administration pages, after checking the viewer administers `uai`:
        the students with 4 unjustified half-days or more in the month
        (art. L131-8; this month by default), every absence entered counting,
        published or not: [{"eleve_id", "demi_journees"}], most first."""
        today = self.clock.today()
        year, month = annee or today.year, mois or today.month
        if not (isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12 and 2000 <= year <= 2100):
            raise ValidationError({"mois": ["Mois invalide."]})
        return {"annee": year, "mois": month, "eleves": pages.alerts(self.db, check_uai(uai), year, month)}

    # -- the menu contract ----------------------------------------------
    def menu_entry(self, child):
        if not self.is_open(child["etablissement_uai"]):
            return None
        return {"label": "Vie scolaire", "path": news.PATH, "order": 30}
