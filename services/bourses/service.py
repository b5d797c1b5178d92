"""The bourses service: bourses de collège et de lycée (issue 18,
docs/bourses.md).

The académie's operator loads each year's barème and sets the campaign
windows (back-office RPC, CLI import, administration pages); while a window
is open, families of every collège (or lycée) of the académie may apply,
without the head opening anything (FAQ). The family keeps a draft, files
once, gets an estimate, an acknowledgement (PDF and mail), then each step of
the school's review (mail) and the decision letter (PDF). Each docstring says
who may call and what the method promises.
"""
import base64

from nameko.timer import timer
from sqlalchemy.exc import IntegrityError

from common.clock import ClockProvider, school_year
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.mail_outbox import MailOutbox
from common.messaging import rpc
from common.idempotency import command
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise
from common.typography import french_refusals
from services.bourses import bareme, campagnes, demandes, documents, fiscal, messages
from services.bourses.exceptions import BoursesClosed
from services.bourses.models import NIVEAUX, STATUTS
from services.bourses.schemas import (
    BaremeSchema, CampagneSchema, FormSchema, PersonSchema, ReviewSchema, UaiSchema, blank_to_none,
)
from services.bourses.text import bourse_label, fr_date, typo

# How often each instance looks whether a window opened or closed by the
# clock, to tell the gateways' menu caches (docs/bourses.md, "Menus").
WINDOW_CHECK_SECONDS = 60

# Establishment -> {"type", "nom"}, asked once per process from accounts: an
# establishment does not change from collège to lycée.
_etablissements: dict[str, dict] = {}
# The campaign windows open at the last check, per process.
_open_windows: dict[str, set] = {}


def _french():
    """Every refusal leaves with French typography (non-breaking spaces)."""
    return french_refusals(typo, Forbidden)


class BoursesService(MailOutbox, FeatureContract):
    name = "bourses"

    db = Database()
    clock = ClockProvider()
    # The establishment's kind (collège or lycée) and name (accounts is always deployed).
    accounts = ServiceRpc("accounts", timeout=10)
    # Acknowledgements and review steps, after the commit (common/mail.py).

    # Open by the académie's campaigns, not by the head (FAQ): there is no
    # per-establishment opening row; `is_open` reads the windows by the clock.
    opening_model = None
    staff_can_change_opening = False
    news_kinds = messages.NEWS_KINDS

    # -- what the service needs to know of an establishment ---------------
    def _etablissement(self, uai: str) -> dict:
        known = _etablissements.get(uai)
        if known is None:
            try:
                found = self.accounts.get_etablissement(uai=uai)
            except NotFound:
                # Not kept: the establishment may be imported later.
                return {"type": None, "nom": uai}
            known = {"type": found["type"], "nom": found["nom"]}
            _etablissements[uai] = known
        return known

    def _niveau(self, uai: str) -> str | None:
        kind = self._etablissement(uai)["type"]
        return kind if kind in NIVEAUX else None

    def is_open(self, uai: str) -> bool:
        niveau = self._niveau(uai)
        return niveau is not None and campagnes.open_on(self.db, niveau, self.clock.today()) is not None

    @rpc
    def get_openings(self, uais, annee_scolaire=None):
        """Gateway administration pages: {uai: {"open", "staff_can_change",
        "annee_scolaire"}}: open while a campaign of the establishment's kind
        is, never changeable by the school."""
        today = self.clock.today()
        out = {}
        for uai in uais:
            niveau = self._niveau(uai)
            campagne = campagnes.open_on(self.db, niveau, today) if niveau else None
            out[uai] = {"open": campagne is not None, "staff_can_change": False,
                        "annee_scolaire": campagne.annee_scolaire if campagne else annee_scolaire}
        return out

    @timer(interval=WINDOW_CHECK_SECONDS)
    def watch_windows(self):
        """Every instance, every minute: when a window opened or closed by the
        clock since the last check, a notice drops the gateways' cached menus."""
        now_open = campagnes.open_ids(self.db, self.clock.today())
        before = _open_windows.get("ids")
        _open_windows["ids"] = now_open
        if before is not None and before != now_open:
            self.notices("menu_changed", {"service": self.name})

    # -- back office: barème and campaigns ----------------------------------
    @rpc
    @command
    def load_bareme(self, annee_scolaire, niveau, echelons):
        """The operator's import CLI (tools/import_bourses.py), the demo
        generator and the administration pages: replace the barème of one
        school year and kind ({"echelon", "montant_annuel", "plafonds": [8
        ceilings, 1 child to 8 and more]} per échelon), all or nothing. A
        refusal (ValidationError) names every faulty figure."""
        with _french():
            data = load_or_raise(BaremeSchema(), {"annee_scolaire": annee_scolaire, "niveau": niveau,
                                                  "echelons": echelons})
            bareme.load(self.db, data["annee_scolaire"], data["niveau"], data["echelons"], self.clock.now())
        self.db.commit()
        return self.get_bareme(data["annee_scolaire"], data["niveau"])

    @rpc
    def get_bareme(self, annee_scolaire, niveau):
        """Administration pages and anyone: the barème as loaded (empty list
        when not loaded)."""
        if niveau not in NIVEAUX:
            raise ValidationError({"niveau": ["Niveau attendu : college ou lycee."]})
        return {"annee_scolaire": annee_scolaire, "niveau": niveau,
                "echelons": bareme.view(bareme.rows(self.db, annee_scolaire, niveau))}

    @rpc
    @command
    def save_campagne(self, form, account_id):
        """Administration pages (an académie operator, checked by the gateway)
        and the demo: create a campaign window ({"annee_scolaire", "niveau",
        "ouverture", "cloture"} as jj/mm/aaaa), or move one ("campagne_id").
        Refused when the year's barème is not loaded or when it overlaps a
        window of the same kind. Gateways' menus are told at once."""
        with _french():
            data = load_or_raise(CampagneSchema(), {**(form if isinstance(form, dict) else {}),
                                                   "account_id": account_id})
            campagne = campagnes.save(self.db, data, self.clock.now())
        self.db.commit()
        self.notices("menu_changed", {"service": self.name})
        return campagnes.view(campagne)

    @rpc
    def list_campagnes(self):
        """Administration pages: every window, newest first, each saying
        whether it is open today."""
        return {"campagnes": campagnes.all_views(self.db, self.clock.today())}

    # -- the family ----------------------------------------------------------
    def _context(self, child) -> tuple[dict, str]:
        with _french():
            context = load_or_raise(child_context_schema, child)
        niveau = self._niveau(context["etablissement_uai"])
        if niveau is None:
            raise BoursesClosed("Les bourses ne concernent que les collèges et les lycées.")
        return context, niveau

    @rpc
    def page(self, child):
        """Gateway, the bourses page of a child (after child_or_404): the
        campaign (open, or when it closed / opens), whether this viewer may
        apply, their draft, their filed applications with status and estimate."""
        context, niveau = self._context(child)
        today = self.clock.today()
        campagne = campagnes.open_on(self.db, niveau, today)
        refusal = demandes.refusal_to_apply(context, niveau)
        filed = demandes.filed_by_viewer(self.db, context)
        draft = demandes.draft(self.db, context, campagne) if campagne else None
        existing = (demandes.blocking(self.db, context["eleve_id"], niveau, campagne.annee_scolaire)
                    if campagne else None)
        return {
            "niveau": niveau, "bourse": bourse_label(niveau),
            "campagne": campagnes.view(campagne),
            "derniere_campagne": None if campagne else campagnes.view(campagnes.last_closed(self.db, niveau, today)),
            "prochaine_campagne": None if campagne else campagnes.view(campagnes.next_opening(self.db, niveau, today)),
            "refus": typo(refusal) if refusal else None,
            "peut_deposer": campagne is not None and refusal is None and existing is None,
            "deja_deposee": typo(demandes.twice_message(existing, context)) if existing else None,
            "brouillon": demandes.form_view(draft) if draft else None,
            "brouillon_le": fr_date(draft.updated_at) if draft else None,
            "demandes": [demandes.view(d) for d in filed],
        }

    def _open_campaign(self, context: dict, niveau: str):
        with _french():
            demandes.check_may_apply(context, niveau)
        today = self.clock.today()
        campagne = campagnes.open_on(self.db, niveau, today)
        if campagne is None:
            last = campagnes.last_closed(self.db, niveau, today)
            when = f" le {fr_date(last.cloture)}" if last else ""
            raise BoursesClosed(typo(f"La campagne de {bourse_label(niveau)} est close{when} : contactez le "
                                     "secrétariat de l'établissement."))
        return campagne

    def _persons(self, demandeur, eleve, uai) -> tuple[dict, dict, dict]:
        schema = PersonSchema()
        return (load_or_raise(schema, demandeur if isinstance(demandeur, dict) else {}),
                load_or_raise(schema, eleve if isinstance(eleve, dict) else {}), self._etablissement(uai))

    @rpc
    @command
    def save_draft(self, child, form, demandeur=None, eleve=None):
        """Gateway, "Enregistrer le brouillon": keep what this viewer typed for
        this child (any field may be empty, none may be wrong: a wrong one is
        refused with its message and nothing is stored). BoursesClosed outside
        a campaign; Forbidden for a viewer who may not apply."""
        context, niveau = self._context(child)
        campagne = self._open_campaign(context, niveau)
        with _french():
            data = load_or_raise(FormSchema(), blank_to_none(form), partial=True)
            persons = self._persons(demandeur, eleve, context["etablissement_uai"])
            demandes.save_draft(self.db, context, campagne, data, *persons, self.clock.now())
        self.db.commit()
        return self.page(child)

    @rpc
    @command
    def submit(self, child, form, demandeur=None, eleve=None):
        """Gateway, "Déposer la demande": file this viewer's application for
        this child ({"prenom", "nom", "email"} of the viewer and {"prenom",
        "nom", "classe"} of the child, as accounts gave them). Refused
        (ValidationError, nothing stored) for a wrong or missing field, a
        second application for the student, a notice of another year;
        BoursesClosed after the deadline. Returns the application with its
        number and estimate; the acknowledgement mail leaves after the commit."""
        context, niveau = self._context(child)
        campagne = self._open_campaign(context, niveau)
        now = self.clock.now()
        with _french():
            data = load_or_raise(FormSchema(), blank_to_none(form))
            persons = self._persons(demandeur, eleve, context["etablissement_uai"])
            try:
                demande = demandes.file(self.db, context, campagne, data, *persons, now)
                self.db.flush()  # its number, for the view and the receipt
                view = demandes.view(demande)
                kept = self.keep_mail(*messages.acknowledgement(demande, view["estimation_texte"]))
                self.db.commit()
            except IntegrityError:
                # Another guardian filed for the same student at the same instant.
                self.db.rollback()
                existing = demandes.blocking(self.db, context["eleve_id"], niveau, campagne.annee_scolaire)
                raise ValidationError({"demande": [demandes.twice_message(existing, context)]}) from None
            except Exception:
                self.db.rollback()
                raise
        self.send_kept(kept)
        return view

    @rpc
    def fetch_tax_data(self, child, numero_fiscal, annee_avis):
        """Gateway: the entry point a real deployment uses to read the
        reference tax income from the tax administration (services/bourses/
        fiscal.py). Here it always raises FiscalUnavailable: the family types
        the figures from its notice."""
        context, niveau = self._context(child)
        with _french():
            demandes.check_may_apply(context, niveau)
            return fiscal.fetch_reference_income(numero_fiscal, annee_avis)

    @rpc
    def document(self, child, demande_id, kind):
        """Gateway, the family's PDFs of one of their own applications:
        kind "accuse" (the acknowledgement) or "notification" (the decision
        letter, once decided). NotFound for anyone else's application and for
        a decision not yet made. {"filename", "pdf_base64"}."""
        context, _niveau = self._context(child)
        return self._document(demandes.owned(self.db, context, demande_id), kind)

    def _document(self, demande, kind):
        if kind == "accuse":
            content, name = documents.accuse_reception(demande), f"accuse-reception-{demande.numero}.pdf"
        elif kind == "notification" and demande.decidee_le is not None:
            content, name = documents.notification(demande), f"notification-{demande.numero}.pdf"
        else:
            raise NotFound(kind)
        return {"filename": name, "pdf_base64": base64.b64encode(content).decode("ascii")}

    # -- the school ------------------------------------------------------------
    def _check_uai(self, uai):
        with _french():
            load_or_raise(UaiSchema(), {"uai": uai})

    @rpc
    def list_demandes(self, uai, statut=None, page=1):
        """Gateway administration pages, after checking the viewer is staff of
        `uai`: the establishment's filed applications, newest first,
        optionally of one status, by pages of 100: {"demandes", "total",
        "page", "pages"}."""
        self._check_uai(uai)
        if statut is not None and statut not in STATUTS:
            raise ValidationError({"statut": ["Statut inconnu."]})
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise ValidationError({"page": ["Numéro de page invalide."]})
        rows, total = demandes.list_for_school(self.db, uai, statut, page)
        return {"demandes": [demandes.row(d) for d in rows], "total": total, "page": page,
                "pages": max(1, -(-total // demandes.PAGE_SIZE))}

    @rpc
    def get_demande(self, uai, demande_id):
        """Gateway administration pages: one application of `uai` with its
        history (NotFound for another establishment's)."""
        self._check_uai(uai)
        return demandes.view(demandes.for_school(self.db, uai, demande_id), with_history=True)

    @rpc
    @command
    def review(self, uai, demande_id, form, account_id):
        """Gateway administration pages, staff of `uai`: {"action": "complete"
        | "piece_manquante" (with "piece") | "accorder" (with "echelon"; the
        amount is the barème's) | "refuser" (with "motif")}. A decision is
        final. The family gets a mail (held outside working hours) and a home
        tile at each change."""
        self._check_uai(uai)
        now = self.clock.now()
        with _french():
            data = load_or_raise(ReviewSchema(), {**(form if isinstance(form, dict) else {}),
                                                  "account_id": account_id})
            demande = demandes.for_school(self.db, uai, demande_id)
            try:
                demandes.review(self.db, demande, data, now)
                kept = self.keep_mail(*messages.review_step(demande, now, len(demande.historique)))
                self.db.commit()
            except Exception:
                self.db.rollback()
                raise
        self.send_kept(kept)
        self.publish_news([messages.news_item(demande, now)])
        return demandes.view(demande, with_history=True)

    @rpc
    def staff_document(self, uai, demande_id, kind):
        """Gateway administration pages: the same PDFs as the family's, for an
        application of `uai`."""
        self._check_uai(uai)
        return self._document(demandes.for_school(self.db, uai, demande_id), kind)

    # -- the menu contract --------------------------------------------------------
    def menu_entry(self, child):
        """Shown to those who may apply while a campaign of the child's kind
        is open, and afterwards while the child has an application of the
        current school year, so that it can be followed. Gateways cache it per
        child and viewer role, not per account (gateway/composition.py): it
        depends on nothing more."""
        niveau = self._niveau(child["etablissement_uai"])
        if niveau is None or demandes.refusal_to_apply(child, niveau) is not None:
            return None
        today = self.clock.today()
        if (campagnes.open_on(self.db, niveau, today) is not None
                or demandes.has_current(self.db, child["eleve_id"], school_year(today))):
            return {"label": "Bourses", "path": "/bourses/", "order": 60}
        return None
