"""The fiche de renseignements service: the student's and the guardians'
administrative record, the families' change requests and the school's
decisions (guide § 3.3, the FAQ).

The back office (import CLI, demo generator) brings the record in from the
establishment's SIECLE exports; families read and edit it through the
gateway, for the child named in the child context, which the gateway built
after checking the viewer's link to that child; the school's staff decide and
export through the administration pages. Which SIECLE person the viewer is
comes from accounts (`siecle_identity`), never from the request. Each
docstring says who may call and what the method promises.
"""
from sqlalchemy import select

from common.clock import ClockProvider
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.errors import NotFound
from common.mail_outbox import MailOutbox
from common.messaging import rpc
from common.idempotency import command
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise
from contract.etablissement import check_uai
from services.fiche import demandes, export, importing, mails, news, pages, validation
from services.fiche.dependencies import IdentityCache
from services.fiche.demandes import Viewer
from services.fiche.exceptions import FicheClosed
from services.fiche.models import Eleve, Etablissement, Opening, Responsable
from services.fiche.schemas import DecisionsSchema, ExportSchema, ImportSchema
from services.fiche.settings import FicheSettings


class FicheService(MailOutbox, FeatureContract):
    name = "fiche"
    # Gateways keep its menu entry per establishment (it depends on the opening,
    # the viewer's role and whether the student is an adult).
    menu_per_child = False
    settings_class = FicheSettings

    db = Database()
    clock = ClockProvider()
    # Who the viewer is in SIECLE's identifiers (accounts is always deployed).
    accounts = ServiceRpc("accounts", timeout=10)
    identities = IdentityCache()

    # FAQ: "Le module Fiche de renseignements est également ouvert par défaut."
    opening_model = Opening
    opened_by_default = True
    news_kinds = news.KINDS

    # -- back office ----------------------------------------------------
    @rpc
    @command
    def import_siecle(self, payload):
        """Import CLI (tools.import_fiche) and demo generator: the
        establishment's record from its SIECLE exports (services.fiche.siecle
        reads the files): {"etablissement": {"uai", "nom"}, "eleves",
        "personnes", "liens"}. Creates or updates by SIECLE identifiers, closes
        students who left, keeps pending requests. Returns counts and the
        records skipped with a French reason."""
        data = load_or_raise(ImportSchema(), payload)
        try:
            report = importing.import_siecle(self.db, data, self.clock.today())
        except Exception:
            self.db.rollback()
            raise
        self.db.commit()
        return report

    # -- family pages ---------------------------------------------------
    def _viewer(self, child) -> Viewer:
        """The child context resolved into the fiche's records. Raises
        FicheClosed (closed, or a minor student: their guardians fill the
        fiche), NotFound (no fiche for this student yet)."""
        context = load_or_raise(child_context_schema, child)
        if not self.is_open(context["etablissement_uai"]):
            raise FicheClosed("La fiche de renseignements n'est pas ouverte dans cet établissement.")
        if context["viewer_role"] == "eleve" and not context["eleve_majeur"]:
            raise FicheClosed("La fiche de renseignements est mise à jour par vos responsables légaux.")
        identity = self.identities.get(
            (context["viewer_account_id"], context["eleve_id"]),
            lambda: self.accounts.siecle_identity(account_id=context["viewer_account_id"],
                                                  eleve_id=context["eleve_id"]))
        uai = identity["etablissement_uai"]
        eleve = self.db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True),
                                                    Eleve.siecle_eleve_id == identity["siecle_eleve_id"])).first()
        if eleve is None:
            raise NotFound("La fiche de cet élève n'a pas encore été transmise par l'établissement.")
        responsable = None
        if context["viewer_role"] == "responsable":
            responsable = self.db.scalars(select(Responsable).where(
                Responsable.etablissement_uai == uai,
                Responsable.siecle_personne_id.in_(identity["siecle_personne_ids"]))
                .order_by(Responsable.id)).first()
        return Viewer(eleve=eleve, responsable=responsable, account_id=context["viewer_account_id"],
                      accounts_eleve_id=context["eleve_id"], email=identity.get("email"),
                      prenom=identity.get("prenom") or "", nom=identity.get("nom") or "")

    @rpc
    def fiche(self, child):
        """Gateway, the fiche page of a child: the ÉLÈVE tab and, for a
        guardian, their own RESPONSABLE tab only (never the other guardian's),
        each field with its value, its pending change if any, whether the
        student's data may be edited now, and the viewer's recent decisions.
        Raises FicheClosed, NotFound."""
        return pages.family_page(self.db, self._viewer(child))

    @rpc
    @command
    def submit_changes(self, child, onglet, changes):
        """Gateway, the MODIFIER form of a tab ("eleve" or "responsable", the
        viewer's own): each changed field becomes a pending request, replacing
        the viewer's pending one on the same field; a field edited back to
        the record's value withdraws it. Raises ValidationError (French
        messages per field, nothing stored; the régime and unknown fields are
        refused), ModificationsEnAttente (the other guardian's student changes
        wait), FicheClosed, NotFound."""
        viewer = self._viewer(child)
        try:
            report = demandes.submit(self.db, viewer, onglet, changes, self.clock.now())
        except Exception:
            self.db.rollback()
            raise
        self.db.commit()
        return report

    @rpc
    def validate_changes(self, onglet, changes):
        """Any service that takes the same data (the inscription service's
        administrative data step): the fiche's rules on these fields, without
        storing anything. Returns the cleaned values (phones in E.164, the
        address's INSEE code found...) or raises ValidationError with a
        French message per field."""
        return validation.clean_changes(onglet, changes, self.clock.today())

    # -- the school's pages ---------------------------------------------
    @rpc
    def dossiers(self, uai):
        """Gateway administration pages, after checking the viewer
        administers `uai`: students with pending requests, oldest first."""
        return pages.dossiers(self.db, check_uai(uai))

    def _eleve(self, uai, eleve_id) -> Eleve:
        eleve = self.db.get(Eleve, eleve_id) if isinstance(eleve_id, int) and not isinstance(eleve_id, bool) else None
        if eleve is None or eleve.etablissement_uai != uai:
            raise NotFound("Élève introuvable dans cet établissement.")
        return eleve

    @rpc
    def dossier(self, uai, eleve_id):
        """Gateway administration pages (same check): one student's pending
        requests, each with the field's value before and after, and the
        recent decisions. NotFound for a student of another establishment."""
        return pages.dossier(self.db, uai, self._eleve(check_uai(uai), eleve_id))

    @rpc
    @command
    def decide(self, uai, eleve_id, decisions, account_id):
        """Gateway administration pages (same check): accept or refuse each
        pending request of one student's dossier, with an optional reason.
        Accepted values become the record (both guardians see them); each
        person who asked gets a confirmation mail, accepted or refused; the
        home page's tile counts the student's decided changes. All or
        nothing (ValidationError naming each refused decision)."""
        data = load_or_raise(DecisionsSchema(), {"uai": uai, "eleve_id": eleve_id, "decisions": decisions,
                                                 "account_id": account_id})
        eleve = self._eleve(data["uai"], data["eleve_id"])
        now = self.clock.now()
        try:
            decided = demandes.decide(self.db, data["uai"], eleve.id, data["decisions"], data["account_id"], now)
            etab = self.db.get(Etablissement, data["uai"])
            outbox = mails.requests(decided, {eleve.id: eleve}, etab.nom if etab else data["uai"], now)
        except Exception:
            self.db.rollback()
            raise
        # Kept with the decisions, handed over after their commit: a mail never
        # announces a decision that was not kept, nor is lost once it is.
        self.commit_with_mail(*outbox)
        self.publish_news(news.items(decided))
        return {"acceptees": sum(1 for d in decided if d.etat == "acceptee"),
                "refusees": sum(1 for d in decided if d.etat == "refusee"), "courriels": len(outbox)}

    @rpc
    def export_acceptees(self, uai, depuis=None, jusqu_a=None):
        """Gateway administration pages (same check): the accepted changes
        decided in [depuis, jusqu_a) as CSV in SIECLE's element names, to
        carry into BEE: {"csv", "demandes"}."""
        data = load_or_raise(ExportSchema(), {"uai": uai, "depuis": depuis, "jusqu_a": jusqu_a})
        text, count = export.accepted_csv(self.db, data["uai"], data["depuis"], data["jusqu_a"])
        return {"csv": text, "demandes": count}

    # -- the menu contract ----------------------------------------------
    def menu_entry(self, child):
        if not self.is_open(child["etablissement_uai"]):
            return None
        if child["viewer_role"] == "eleve" and not child["eleve_majeur"]:
            return None
        return {"label": "Fiche de renseignements", "path": "/fiche/", "order": 50}
