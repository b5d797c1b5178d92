"""The inscription service: online enrollment in the assigned lycée (issue
17, guide § 2.6 and § 3.7, the FAQ; docs/inscription.md).

The académie's operator sets the campaign window; the back office imports the
assignment results and what each lycée offers (RPC, `tools/import_inscription.py`).
While the window is open, a guardian of an eligible student enrolls them (or
not) in four steps, from the menu of the student's current collège, without
the head opening anything; the lycée follows and exports the answers, the
collège sees its students' states. Each docstring says who may call and what
the method promises.
"""
import base64
from contextlib import contextmanager

from common.clock import ClockProvider
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.idempotency import command
from common.mail_outbox import MailOutbox
from common.messaging import rpc
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise
from common.typography import french_refusals, spaced
from common.settings import SettingsProvider
from contract.errors import Unavailable
from contract.etablissement import check_uai, is_uai
from services.inscription import affectations, campagnes, documents, dossiers, messages, pages
from services.inscription.exceptions import EtapeRefusee, InscriptionClosed, VerificationIndisponible
from services.inscription.models import COMPLET, REFUSE, Lycee
from services.inscription.settings import InscriptionSettings
from services.inscription.schemas import (
    AnneeSchema, CampagneSchema, ChoixFormSchema, MessageSchema, ResponsableSchema, VoeuxFormSchema,
)

# The académie this deployment serves: a lycée of another académie is
# enrolled directly with it (FAQ).
MENU = {"label": "Inscription au lycée", "path": "/inscription/", "order": 70}


def _french():
    """Every refusal leaves with French typography (non-breaking spaces)."""
    return french_refusals(spaced, EtapeRefusee)


class InscriptionService(MailOutbox, FeatureContract):
    name = "inscription"
    settings_class = InscriptionSettings

    db = Database()
    clock = ClockProvider()
    settings = SettingsProvider()
    # INE -> the student's id (import), who administers an establishment.
    accounts = ServiceRpc("accounts", timeout=10)
    # The administrative data's rules (step 3) are the fiche's: asked, never copied.
    fiche = ServiceRpc("fiche", timeout=10)
    # The receipt and the decline notice, after the commit (common/mail.py).

    # Open by the académie's campaign, never by the head (FAQ): no opening row.
    opening_model = None
    staff_can_change_opening = False

    def is_open(self, uai: str) -> bool:
        return campagnes.is_open(campagnes.current(self.db), self.clock.now())

    @rpc
    def get_openings(self, uais, annee_scolaire=None):
        """Gateway administration pages: {uai: {"open", "staff_can_change",
        "annee_scolaire"}}: open while the campaign is, never changeable by
        the school."""
        campagne = campagnes.current(self.db)
        is_open = campagnes.is_open(campagne, self.clock.now())
        return {uai: {"open": is_open, "staff_can_change": False,
                      "annee_scolaire": campagne.annee_scolaire if campagne else annee_scolaire} for uai in uais}

    # -- back office -------------------------------------------------------------
    @rpc
    @command
    def save_campagne(self, form, account_id):
        """Administration pages (an académie operator, checked by the gateway),
        the import CLI and the demo: set or move the rentrée's window
        ({"annee_scolaire", "ouverture", "cloture"} as "jj/mm/aaaa hh:mm",
        French time, or aware ISO instants). Menus are told at once."""
        with _french():
            data = load_or_raise(CampagneSchema(), {**(form if isinstance(form, dict) else {}),
                                                   "account_id": account_id})
        campagne = campagnes.save(self.db, data, self.settings.own.academie, self.clock.now())
        self.db.commit()
        self.notices("menu_changed", {"service": self.name})
        return campagnes.view(campagne, self.clock.now())

    @rpc
    def list_campagnes(self):
        """Administration pages: every window, latest rentrée first."""
        return {"campagnes": campagnes.all_views(self.db, self.clock.now()), "academie": self.settings.own.academie}

    @rpc
    @command
    def import_affectations(self, annee_scolaire, lignes):
        """Import CLI (tools/import_inscription.py) and demo: the assignment
        results of a rentrée, one dict per student (docs/inscription.md,
        "Import"). Students are found by INE among their collège's in
        accounts; an unknown one is skipped with a French reason. A malformed
        line refuses the whole batch (ValidationError), nothing stored.
        Returns {"creees", "mises_a_jour", "ignorees"}."""
        with _french():
            annee = load_or_raise(AnneeSchema(), {"annee_scolaire": annee_scolaire})["annee_scolaire"]
            rows = lignes if isinstance(lignes, list) else []
            colleges = {row.get("college_uai") for row in rows if isinstance(row, dict)}
            by_ine = {}
            for uai in sorted(c for c in colleges if is_uai(c)):
                try:
                    eleves = self.accounts.list_eleves(uai=uai)
                except NotFound:
                    continue
                by_ine.update({(uai, e["ine"]): e["eleve_id"] for e in eleves if e.get("ine")})
            try:
                report = affectations.import_rows(self.db, annee, lignes, by_ine, self.clock.now())
                self.db.commit()
            except Exception:
                self.db.rollback()
                raise
        self.notices("menu_changed", {"service": self.name})
        return report

    @rpc
    @command
    def import_offres(self, offres):
        """Import CLI and demo: what each lycée offers per training (MEF):
        {"lycee_uai", "mef", "lv1", "lv2", "options", "sections" (each a list
        of {"code", "libelle"}), "max_options"}. All or nothing."""
        with _french():
            try:
                report = affectations.import_offres(self.db, offres)
                self.db.commit()
            except Exception:
                self.db.rollback()
                raise
        return report

    @rpc
    @command
    def set_message_lycee(self, uai, message, account_id):
        """Administration pages, the lycée's staff: the "Message du lycée
        d'affectation" families read at step 1 (account_id None: back office).
        NotFound for a lycée with no assigned student."""
        check_uai(uai)
        if account_id is not None and not self.accounts.administers(account_id=account_id, uai=uai):
            raise Forbidden("Vous n'administrez pas cet établissement.")
        data = load_or_raise(MessageSchema(), {"message": message})
        lycee = self.db.get(Lycee, uai)
        if lycee is None:
            raise NotFound("Aucun élève n'est affecté dans cet établissement.")
        lycee.message = (data["message"] or "").strip() or None
        lycee.message_changed_at = self.clock.now()
        self.db.commit()
        return {"message": lycee.message}

    # -- the family --------------------------------------------------------------
    def _affectation(self, child):
        context = load_or_raise(child_context_schema, child)
        # Guide § 2.6: "l'inscription en ligne n'est disponible que pour les parents".
        if context["viewer_role"] != "responsable":
            raise NotFound("L'inscription en ligne est réservée aux responsables légaux.")
        affectation = affectations.for_child(self.db, context["eleve_id"], context["etablissement_uai"])
        if affectation is None:
            raise NotFound("Aucune affectation en lycée pour cet élève.")
        return context, affectation, campagnes.for_year(self.db, affectation.annee_scolaire)

    def _check_may_submit(self, affectation, campagne, now):
        refusal = affectations.refusal(affectation, self.settings.own.academie)
        if refusal is not None:
            raise EtapeRefusee(spaced(refusal))
        if not campagnes.is_open(campagne, now):
            raise InscriptionClosed(spaced(campagnes.closed_message(campagne, now)))

    @rpc
    def page(self, child):
        """Gateway, the enrollment page of a child (after child_or_404): the
        assignment, the window (when it opens, time left, closed), the
        decision and who made it, each step's saved data, what the lycée
        offers. NotFound for a student's own account and a child without
        assignment at this collège."""
        context, affectation, campagne = self._affectation(child)
        now = self.clock.now()
        refusal = affectations.refusal(affectation, self.settings.own.academie)
        data = pages.family_page(self.db, affectation, campagne, context, now, refusal)
        data["ferme"] = None if campagnes.is_open(campagne, now) else spaced(campagnes.closed_message(campagne, now))
        return data

    def _done(self, dossier, outbox=()):
        """Commit, then mail (a mail never announces what was not kept). The
        answer is small: the gateway shows the page again with `page`."""
        self.commit_with_mail(*outbox)
        return {"etat": dossier.etat, "etape": dossier.etape}

    @rpc
    @command
    def decide(self, child, choix, responsable=None, classe=None):
        """Gateway, step 1: "inscrire" or "refuser" ({"prenom", "nom",
        "email"} of the guardian, as accounts gave them; the child's class
        for the notice). The first decision stands (EtapeRefusee for the
        second, naming who decided and when). Declining mails the collège's
        head. InscriptionClosed outside the window; nothing stored on refusal."""
        context, affectation, campagne = self._affectation(child)
        now = self.clock.now()
        with _french():
            self._check_may_submit(affectation, campagne, now)
            data = load_or_raise(ChoixFormSchema(), {"choix": choix})
            who = load_or_raise(ResponsableSchema(), responsable if isinstance(responsable, dict) else {})
            dossier = dossiers.decide(self.db, affectation, data["choix"], context["viewer_account_id"], who, now)
        outbox = messages.decline_notice(dossier, classe if isinstance(classe, str) else None) \
            if dossier.etat == REFUSE else []
        return self._done(dossier, outbox)

    @rpc
    @command
    def save_voeux(self, child, form):
        """Gateway, step 2: {"lv1", "lv2", "options": [...], "section"} as
        codes, checked against what the lycée offers for the training
        (ValidationError beside each field, nothing stored). Saved as a
        draft; the family may come back to it until the deadline."""
        context, affectation, campagne = self._affectation(child)
        now = self.clock.now()
        with _french():
            self._check_may_submit(affectation, campagne, now)
            dossier = dossiers.editable(affectation, context["viewer_account_id"])
            data = load_or_raise(VoeuxFormSchema(), form if isinstance(form, dict) else {})
            dossiers.save_voeux(dossier, dossiers.check_voeux(pages.offre_of(self.db, affectation), data), now)
        return self._done(dossier)

    def _cleaned(self, onglet: str, typed, errors: dict) -> dict:
        """The typed fields of one tab, cleaned by the fiche's rules (its
        `validate_changes` RPC); blank fields are not changes."""
        allowed = pages.DONNEES[onglet]
        changes = {}
        for name, value in (typed if isinstance(typed, dict) else {}).items():
            if name not in allowed:
                errors[f"{onglet}-{name}"] = ["Ce champ ne se met pas à jour ici."]
            elif value not in (None, "") and not (isinstance(value, dict) and not any(
                    v for k, v in value.items() if k != "pays")):
                changes[name] = value
        if not changes:
            return {}
        try:
            return self.fiche.validate_changes(onglet=onglet, changes=changes)
        except ValidationError as exc:
            for name, messages_ in exc.errors.items():
                errors[f"{onglet}-{name}"] = messages_
            return {}
        except Unavailable:
            raise VerificationIndisponible(
                "Vos données administratives ne peuvent pas être vérifiées pour le moment : rien n'a été "
                "enregistré. Renvoyez le formulaire dans quelques instants.") from None

    @rpc
    @command
    def save_donnees(self, child, eleve=None, responsable=None):
        """Gateway, step 3: the child's and the guardian's changed data
        ({field: value} per tab, the fields of pages.DONNEES), checked by the
        fiche's rules; a refusal names each field ("eleve-email",
        "responsable-adresse.code_postal"), nothing stored.
        VerificationIndisponible when the fiche does not answer."""
        context, affectation, campagne = self._affectation(child)
        now = self.clock.now()
        with _french():
            self._check_may_submit(affectation, campagne, now)
            dossier = dossiers.editable(affectation, context["viewer_account_id"])
            if dossier.etape < 3:
                raise EtapeRefusee("Indiquez d'abord les souhaits pédagogiques (étape 2).")
            errors = {}
            cleaned = {onglet: self._cleaned(onglet, typed, errors)
                       for onglet, typed in (("eleve", eleve), ("responsable", responsable))}
            if errors:
                raise ValidationError(errors)
            dossiers.save_donnees(dossier, cleaned["eleve"], cleaned["responsable"], now)
        return self._done(dossier)

    @rpc
    @command
    def complete(self, child):
        """Gateway, step 4: confirm the summary. The enrollment is finished;
        the receipt mail leaves once (after the commit). EtapeRefusee before
        steps 2 and 3, or when already finished."""
        context, affectation, campagne = self._affectation(child)
        now = self.clock.now()
        with _french():
            self._check_may_submit(affectation, campagne, now)
            dossier = dossiers.editable(affectation, context["viewer_account_id"])
            dossiers.complete(dossier, now)
        return self._done(dossier, messages.receipt(dossier))

    @rpc
    def receipt(self, child):
        """Gateway: the receipt PDF of a finished enrollment, for either
        guardian. NotFound before it is finished. {"filename", "pdf_base64"}."""
        _context, affectation, _campagne = self._affectation(child)
        dossier = affectation.dossier
        if dossier is None or dossier.etat != COMPLET:
            raise NotFound("L'inscription n'est pas terminée.")
        content = documents.accuse_reception(dossier, pages.offre_of(self.db, affectation))
        return {"filename": f"inscription-{affectation.ine}.pdf",
                "pdf_base64": base64.b64encode(content).decode("ascii")}

    # -- the schools ---------------------------------------------------------------
    def _annee(self, annee):
        if annee is None:
            campagne = campagnes.current(self.db)
            return campagne.annee_scolaire if campagne else None
        if not isinstance(annee, int) or isinstance(annee, bool):
            raise ValidationError({"annee_scolaire": ["Année invalide."]})
        return annee

    @rpc
    def list_etablissement(self, uai, annee_scolaire=None):
        """Gateway administration pages, after checking the viewer is staff of
        `uai`: a lycée's assigned students, or a collège's students who were
        assigned, each with their state (no answer, enrolled, declined,
        finished), wishes and changed data; counts per state; the lycée's
        message."""
        annee = self._annee(annee_scolaire)
        listing = pages.school_listing(self.db, check_uai(uai), annee)
        lycee = self.db.get(Lycee, uai)
        listing["message"] = lycee.message if lycee else None
        listing["campagne"] = campagnes.view(campagnes.for_year(self.db, annee) if annee else None, self.clock.now())
        return listing

    @rpc
    def export_csv(self, uai, annee_scolaire=None):
        """Gateway administration pages (same check): the same list as CSV."""
        return {"csv": pages.school_csv(self.db, check_uai(uai), self._annee(annee_scolaire))}

    # -- the menu contract -----------------------------------------------------------
    def menu_entry(self, child):
        """Guardians only, for a student with an eligible assignment from
        their current collège, once the rentrée's campaign is set: before it
        opens the page says when; after it closes, what was done. Cached per
        child and role by the gateways, dropped on `menu_changed`."""
        if child["viewer_role"] != "responsable":
            return None
        affectation = affectations.for_child(self.db, child["eleve_id"], child["etablissement_uai"])
        if affectation is None or affectations.refusal(affectation, self.settings.own.academie) is not None:
            return None
        if campagnes.for_year(self.db, affectation.annee_scolaire) is None:
            return None
        return dict(MENU)
