"""The LSL service: the livret scolaire du lycée as the daily replication
brings it, the families' requests to the head, the final livret (guide § 3.2,
FAQ "LSL", docs/lsl.md).

The back office (replication CLI, demo generator) sends each lycée's file;
families read, through the gateway, only the livret of the child named in the
child context, which the gateway built after checking the viewer's link to
that child; staff decide on requests and publish the final livret from the
administration pages, after the gateway checked they administer the
establishment. Each docstring says who may call and what the method promises.
"""
import base64
import hashlib
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from common.clock import ClockProvider
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.errors import Forbidden, NotFound, ValidationError
from common.mail_outbox import MailOutbox
from common.messaging import rpc
from common.idempotency import command
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise
from contract.etablissement import check_uai
from services.lsl import codes, demandes, news, pages, pdf, replication, rules
from services.lsl.exceptions import AccessEnded, LslClosed
from services.lsl.models import Demande, Etablissement, LivretEleve, LivretPdf, Nomenclature, Opening, Replication
from services.lsl.schemas import ETATS, AuteurSchema, DecisionSchema, DemandeSchema, plain

NOT_A_LYCEE = "Le livret scolaire du lycée ne concerne que les lycées."
# Enseignements pages kept per process (about 15 KB each for a terminale year).
ENSEIGNEMENTS_CACHED = 500
_ENSEIGNEMENTS: OrderedDict = OrderedDict()


class LslService(MailOutbox, FeatureContract):
    name = "lsl"

    db = Database()
    clock = ClockProvider()
    # Students and establishments are accounts' (always deployed).
    accounts = ServiceRpc("accounts", timeout=10)
    # The decision on a request, by mail, after the commit (common/mail.py).

    # The head opens it (FAQ: "il doit être déployé par le chef d'établissement").
    opening_model = Opening
    opened_by_default = False
    # Former students reach it for the months contract/lsl.py declares (rules.access_until).
    news_kinds = news.KINDS

    # -- establishments ---------------------------------------------------
    def _etablissement(self, uai: str) -> Etablissement:
        """The establishment as accounts knows it, kept here for the livret and mails."""
        etab = self.db.get(Etablissement, uai)
        if etab is None:
            found = self.accounts.get_etablissement(uai=uai)
            etab = Etablissement(uai=uai, nom=found["nom"], commune=found.get("commune") or "", type=found["type"])
            self.db.add(etab)
        return etab

    def _lycee(self, uai: str) -> Etablissement:
        etab = self._etablissement(check_uai(uai))
        if etab.type != "lycee":
            raise Forbidden(NOT_A_LYCEE)
        return etab

    # -- back office --------------------------------------------------------
    @rpc
    @command
    def replicate(self, uai, xml):
        """Replication CLI and demo generator: one lycée's daily LSL file (XML,
        docs/lsl.md). All or nothing: a refused file (ValidationError
        {"fichier": [...]}, every problem in French) writes nothing but its
        entry in the replication log, and the previous data stays. Replaying a
        file changes nothing; a newer one replaces, for each student it names,
        the school years it covers. Returns counts of students created,
        changed, unchanged."""
        etab = self._lycee(uai)
        now = self.clock.now()
        try:
            known = {kind: set(self.db.scalars(select(Nomenclature.code).where(Nomenclature.kind == kind)))
                     for kind in ("matiere", "competence")}
            parsed = replication.parse(xml, uai, known["matiere"], known["competence"])
            eleves = {e["siecle_eleve_id"]: e for e in self.accounts.list_eleves(uai=uai)}
            for row in self.db.scalars(select(LivretEleve).where(LivretEleve.etablissement_uai == uai)):
                eleves.setdefault(row.siecle_eleve_id, {"eleve_id": row.eleve_id, "nom": row.nom,
                                                        "prenom": row.prenom})
            report = replication.apply(self.db, parsed, uai, eleves, now)
        except ValidationError as exc:
            self.db.rollback()
            self.db.add(Replication(etablissement_uai=uai, recue_le=now, acceptee=False, rapport=exc.errors))
            self.db.commit()
            raise
        except Exception:
            self.db.rollback()
            raise
        changed = report.pop("changed")
        self.db.add(Replication(etablissement_uai=etab.uai, recue_le=now, acceptee=True, rapport=report))
        self.db.commit()
        if changed:
            # A student's first livret adds the entry to their menu.
            self.notices("menu_changed", {"etablissement_uai": uai})
        return report

    @rpc
    def replications(self, uai, limit=10):
        """Gateway administration pages: the establishment's latest replications
        (when, accepted or refused, the report)."""
        rows = self.db.scalars(select(Replication).where(Replication.etablissement_uai == check_uai(uai))
                               .order_by(Replication.recue_le.desc(), Replication.id.desc()).limit(int(limit)))
        return plain([{"recue_le": r.recue_le, "acceptee": r.acceptee, "rapport": r.rapport} for r in rows])

    @rpc
    @command
    def publish_final(self, uai, account_id, eleve_ids=None):
        """Gateway administration pages, after the results: make the final
        livret (PDF) available to the families of these students (default:
        every student with this year's exam opinion). Families see a tile on
        their home page. Returns how many were published."""
        self._lycee(uai)
        today, now = self.clock.today(), self.clock.now()
        query = select(LivretEleve).where(LivretEleve.etablissement_uai == uai)
        if eleve_ids is not None:
            query = query.where(LivretEleve.eleve_id.in_([int(i) for i in eleve_ids]))
        published = []
        for livret in self.db.scalars(query):
            if eleve_ids is None and not rules.avis_visible(livret.avis_examen, livret.avis_examen_annee, today):
                continue
            if livret.definitif_publie_le is None:
                livret.definitif_publie_le = now
                published.append(livret)
        self.db.commit()
        self.publish_news([news.definitif(l.eleve_id, l.definitif_publie_le) for l in published])
        return {"publies": len(published), "par": account_id}

    # -- family pages -------------------------------------------------------
    def _livret(self, child) -> tuple[dict, LivretEleve]:
        context = load_or_raise(child_context_schema, child)
        livret = self.db.get(LivretEleve, context["eleve_id"])
        if livret is None or livret.etablissement_uai != context["etablissement_uai"]:
            raise LslClosed(context["etablissement_uai"])
        today = self.clock.today()
        if rules.access_ended(livret.date_sortie, today):
            raise AccessEnded(rules.access_until(livret.date_sortie).isoformat())
        if not self._open_in(livret.etablissement_uai, rules.opening_year(livret.date_sortie, today)):
            raise LslClosed(context["etablissement_uai"])
        return context, livret

    def _open_in(self, uai: str, year: int) -> bool:
        row = self.db.get(Opening, (uai, year))
        return self.opened_by_default if row is None else row.is_open

    @rpc
    def home(self, child):
        """Gateway, the service's home for a child: which parts have data (only
        those get a tile; the exam opinion only once this year's exists),
        until when the livret stays reachable (set once the student left),
        whether this viewer may make requests, the requests and their state,
        whether the final livret is available. LslClosed when not opened or
        no livret; AccessEnded 5 months after the student left."""
        context, livret = self._livret(child)
        return plain({
            "eleve": {"prenom": livret.prenom, "nom": livret.nom},
            "tuiles": pages.home(self.db, livret, self.clock.today()),
            "acces_jusqu_au": rules.access_until(livret.date_sortie),
            "peut_demander": rules.may_act(context),
            "qui_demande": demandes.NOT_THEIRS_TO_ASK[context["eleve_majeur"]],
            "demandes": [demandes.view(d) for d in demandes.for_eleve(self.db, livret.eleve_id)],
            "definitif_disponible": livret.definitif_publie_le is not None,
            # What a rectification can name, for the request form.
            "parties": [{"code": code, "libelle": label} for code, label in codes.PARTIES.items()],
        })

    @rpc
    def enseignements(self, child, annee=None, known_version=None):
        """Gateway, Enseignements: the school years from première with
        evaluations ("annees"), and one of them ("annee": the one asked, by
        default the latest; None when there is none) with its subjects grouped
        as on the paper livret, each with its annual appreciation, the
        student's and the group's averages, the group's distribution and the
        competences with their level; "version" names that content. A caller
        that kept the page of `known_version` gets {"version"} alone while the
        content is the same (the access checks are made each time). NotFound
        for a year without evaluations."""
        _context, livret = self._livret(child)
        if annee is not None and (not isinstance(annee, int) or isinstance(annee, bool)):
            raise ValidationError({"annee": ["Nombre entier attendu."]})
        # The page families open most changes only with a replication: kept
        # per process, keyed by what it is built from (the database, the
        # student's data, the latest replication, which may have renamed a subject).
        built_from = (livret.eleve_id, annee, livret.digest, self.db.scalar(select(func.max(Replication.id))))
        version = hashlib.sha256(repr(built_from).encode()).hexdigest()[:32]
        if known_version is not None and known_version == version:
            return {"version": version}
        key = (str(self.db.get_bind().url), *built_from)
        page = _ENSEIGNEMENTS.get(key)
        if page is None:
            years = pages.evaluated_years(self.db, livret.eleve_id)
            chosen = annee if annee is not None else (years[-1]["annee_scolaire"] if years else None)
            if chosen is not None and chosen not in {y["annee_scolaire"] for y in years}:
                raise NotFound("annee")
            shown = pages.enseignements(self.db, livret.eleve_id, chosen) if chosen is not None else []
            # Already plain JSON, built without a second pass.
            page = {"annees": years, "annee": shown[0] if shown else None, "version": version}
            _ENSEIGNEMENTS[key] = page
            while len(_ENSEIGNEMENTS) > ENSEIGNEMENTS_CACHED:
                _ENSEIGNEMENTS.popitem(last=False)
        else:
            _ENSEIGNEMENTS.move_to_end(key)
        return page

    @rpc
    def engagements(self, child):
        """Gateway, Engagements / investissements: per year since première."""
        _context, livret = self._livret(child)
        return plain({"annees": pages.engagements(livret)})

    @rpc
    def avis_examen(self, child):
        """Gateway, Avis examen: this school year's opinion only, the head's
        observations and the distribution in the student's série (percentages
        summing to 100). NotFound when there is none for this year."""
        _context, livret = self._livret(child)
        avis = pages.avis_examen(self.db, livret, self.clock.today())
        if avis is None:
            raise NotFound("avis_examen")
        return plain(avis)

    @rpc
    def scolarite(self, child):
        """Gateway, Scolarité: the history since 6e, repeated years included."""
        _context, livret = self._livret(child)
        return plain({"scolarite": pages.scolarite(livret)})

    @rpc
    def final_livret(self, child):
        """Gateway, download of the final livret once the school published it:
        {"filename", "pdf" (base64)}. NotFound before publication."""
        _context, livret = self._livret(child)
        if livret.definitif_publie_le is None:
            raise NotFound("livret_definitif")
        content = self._render(livret)
        return {"filename": f"livret-scolaire-{livret.nom}-{livret.prenom}.pdf".lower().replace(" ", "-"),
                "pdf": base64.b64encode(content).decode("ascii")}

    def _render(self, livret: LivretEleve) -> bytes:
        """The final livret's PDF: the one kept if it was rendered from the
        same content (models.LivretPdf), else rendered now and kept."""
        today = self.clock.today()
        etab = self._etablissement(livret.etablissement_uai)
        content = {
            "eleve": {"prenom": livret.prenom, "nom": livret.nom},
            "etablissement": {"nom": etab.nom, "commune": etab.commune},
            "enseignements": pages.enseignements(self.db, livret.eleve_id), "engagements": pages.engagements(livret),
            "avis_examen": pages.avis_examen(self.db, livret, today), "scolarite": pages.scolarite(livret),
        }
        version = pdf.content_version(content)
        kept = self.db.get(LivretPdf, livret.eleve_id)
        if kept is not None and kept.version == version:
            data = kept.pdf
            self.db.rollback()
            return data
        data = pdf.render(content, self.clock.now())
        if kept is None:
            kept = LivretPdf(eleve_id=livret.eleve_id)
            self.db.add(kept)
        kept.version, kept.pdf, kept.rendered_at = version, data, self.clock.now()
        try:
            self.db.commit()
        except IntegrityError:
            # Another worker kept the same livret first: this rendering is as good.
            self.db.rollback()
        return data

    @rpc
    @command
    def request(self, child, demande, auteur):
        """Gateway, a family's request to the head: {"type": "rectification"
        (with "partie", "objet", "commentaire") or "opposition" (to the
        transmission to the bac jury, with "commentaire")}. `auteur`: the
        viewer's {"prenom", "nom", "email"} from their session, to write back
        to. Only the guardians of a minor, or the adult student, may ask
        (Forbidden otherwise, with the French reason); ValidationError with
        French messages per field. Returns the recorded request."""
        context, livret = self._livret(child)
        data = load_or_raise(DemandeSchema(), demande)
        who = load_or_raise(AuteurSchema(), auteur)
        row = demandes.create(self.db, context, data, who, self.clock.now())
        self.db.commit()
        return plain(demandes.view(row))

    @rpc
    def requests(self, child):
        """Gateway: the child's requests, newest first, with their state."""
        _context, livret = self._livret(child)
        return plain([demandes.view(d) for d in demandes.for_eleve(self.db, livret.eleve_id)])

    # -- staff --------------------------------------------------------------
    @rpc
    def school_requests(self, uai, etat=None):
        """Gateway administration pages: the establishment's requests, newest
        first (only those in `etat` if given), with the student's name."""
        check_uai(uai)
        if etat is not None and etat not in ETATS:
            raise ValidationError({"etat": ["Valeur non autorisée."]})
        rows = demandes.for_etablissement(self.db, uai, etat)
        names = {l.eleve_id: l for l in self.db.scalars(
            select(LivretEleve).where(LivretEleve.eleve_id.in_({d.eleve_id for d in rows})))}
        return plain([{**demandes.view(d), "eleve": f"{names[d.eleve_id].prenom} {names[d.eleve_id].nom}"
                       if d.eleve_id in names else str(d.eleve_id)} for d in rows])

    @rpc
    @command
    def decide(self, uai, demande_id, decision, reponse="", account_id=None):
        """Gateway administration pages, after checking the viewer administers
        `uai`: record the school's decision ("acceptee" or "refusee", with an
        optional answer) on a pending request; the author is told by mail
        either way. NotFound for a request of another establishment."""
        data = load_or_raise(DecisionSchema(), {"uai": uai, "demande_id": demande_id, "decision": decision,
                                                "reponse": reponse or "", "account_id": account_id})
        row = demandes.decide(self.db, data, self.clock.now())
        eleve = self.db.get(LivretEleve, row.eleve_id)
        mail = demandes.decision_mail(row, eleve, self._etablissement(uai).nom)
        self.commit_with_mail(*([mail] if mail is not None else []))
        return plain(demandes.view(row))

    # -- openings and the menu ----------------------------------------------
    @rpc
    def set_opening(self, uai, is_open, account_id, annee_scolaire=None):
        """Gateway administration pages, after checking the viewer administers
        `uai`: open or close the LSL there for a school year; lycées only
        (Forbidden for a collège)."""
        self._lycee(uai)
        return super().set_opening(uai, is_open, account_id, annee_scolaire)

    @rpc
    def get_openings(self, uais, annee_scolaire=None):
        """Gateway administration pages: the common contract's openings, with
        `applicable` False for an establishment that is not a lycée (the
        livret is shown, and opened, only in lycées)."""
        openings = super().get_openings(uais, annee_scolaire)
        types = {uai: self._etablissement(uai).type for uai in uais}
        self.db.commit()
        for uai, opening in openings.items():
            opening["applicable"] = types[uai] == "lycee"
            if not opening["applicable"]:
                opening.update(open=False, staff_can_change=False)
        return openings

    def menu_entry(self, child):
        livret = self.db.get(LivretEleve, child["eleve_id"])
        if livret is None or livret.etablissement_uai != child["etablissement_uai"]:
            return None
        today = self.clock.today()
        if rules.access_ended(livret.date_sortie, today):
            return None
        if not self._open_in(livret.etablissement_uai, rules.opening_year(livret.date_sortie, today)):
            return None
        return {"label": "Livret scolaire", "path": "/lsl/", "order": 40}
