"""The notes service: grades, the school's publication rule, subject tiles
(guide § 3.5 and the FAQ).

The back office (import CLI, demo generator, staff pages through the gateway)
puts subjects, evaluations and grades in; families read, through the gateway,
only the published grades of the child named in the child context, which the
gateway built after checking the viewer's link to that child. Each docstring
says who may call and what the method promises.
"""
from sqlalchemy import bindparam, select

from common.clock import ClockProvider, school_year
from common.contract import FeatureContract, child_context_schema
from common.db import Database
from common.idempotency import command
from common.kept_pages import KeptPages, generation, next_midnight, version_of
from common.messaging import rpc
from common.rpc_client import ServiceRpc
from common.schemas import load_or_raise, optional_instant
from contract.etablissement import check_uai
from services.notes import importing, news, pages
from services.notes.exceptions import NotesClosed
from services.notes.models import FIL_DE_L_EAU, EtablissementSettings, Evaluation, Opening, PageGeneration
from services.notes.schemas import (
    PublicationModeSchema, SettingsSchema, SubjectDetailSchema, SubjectRequestSchema, SubjectsPageSchema,
)

# Built once: a schema's construction costs more than dumping one page.
_SUBJECTS_PAGE = SubjectsPageSchema()
_SUBJECT_DETAIL = SubjectDetailSchema()
# Subjects pages kept per process (about 3 KB each), and the data they are
# made from whoever the viewer: see `subjects`.
SUBJECTS_KEPT = 500
_SUBJECTS = KeptPages(SUBJECTS_KEPT)
_SUBJECTS_DATA = KeptPages(SUBJECTS_KEPT)


_PUBLICATION_MODE = select(EtablissementSettings.publication_mode).where(
    EtablissementSettings.etablissement_uai == bindparam("uai"))

class NotesService(FeatureContract):
    name = "notes"
    # Gateways keep its menu entry per establishment (the entry says only whether the establishment opened it).
    menu_per_child = False

    db = Database()
    clock = ClockProvider()
    # To check that imported students exist, and (FeatureContract.set_opening)
    # who administers an establishment; accounts is always deployed. An import
    # waits at most this long for the establishment's list.
    accounts = ServiceRpc("accounts", timeout=30)

    # The head opens it (FAQ: opening the online services is the head's call).
    opening_model = Opening
    opened_by_default = False
    # The home page's tile, counted by accounts from the items sent (services/notes/news.py).
    news_kinds = news.KINDS

    def publication_mode(self, uai: str) -> str:
        # On every notes page's path: one statement, built once (called after
        # a commit, never with the session's changes pending).
        mode = self.db.connection().execute(_PUBLICATION_MODE, {"uai": uai}).scalar()
        return mode or FIL_DE_L_EAU

    # -- back office ----------------------------------------------------
    @rpc
    @command
    def import_matieres(self, uai, rows):
        """Import CLI and demo generator: create or rename the establishment's
        subjects, by code ({"code", "libelle"} per row, optional "ligne"). All
        or nothing; a refusal (ValidationError {"lignes": [...]}) names each
        faulty line."""
        check_uai(uai)
        try:
            report = importing.import_matieres(self.db, uai, rows)
        except Exception:
            self.db.rollback()
            raise
        self.db.commit()
        return report

    @rpc
    @command
    def import_evaluations(self, uai, rows):
        """Import CLI and demo generator: evaluations and their grades, one row
        per grade as in the documented file (docs/notes.md), students named by
        their SIECLE identifier in `uai`, subjects by code. Evaluations are
        matched by their back-office identifier, so importing a file again
        updates instead of duplicating. All or nothing: a refusal
        (ValidationError {"lignes": [...]}) names each faulty line and nothing
        of the import is written. Returns counts of what was created, changed,
        unchanged. The home page's news of the imported evaluations' grades
        are sent to accounts (services/notes/news.py)."""
        check_uai(uai)
        eleves = {e["siecle_eleve_id"]: e["eleve_id"] for e in self.accounts.list_eleves(uai=uai)}
        try:
            report = importing.import_grades(self.db, uai, rows, eleves, self.clock.now())
        except Exception:
            self.db.rollback()
            raise
        self.db.commit()
        self.publish_news(news.items(self.db, self.publication_mode(uai), Evaluation.etablissement_uai == uai,
                                     Evaluation.ref.in_(importing.evaluation_refs(rows))))
        return report

    @rpc
    @command
    def set_publication_mode(self, uai, mode, account_id=None):
        """Gateway administration pages (and the demo), after checking that the
        viewer administers `uai`: publish grades "fil_de_l_eau" (the day after
        they are entered) or "echeance" (from each evaluation's publication
        date). The home page's news of the year's grades are sent again."""
        data = load_or_raise(PublicationModeSchema(), {"uai": uai, "mode": mode, "account_id": account_id})
        settings = self.db.get(EtablissementSettings, uai)
        if settings is None:
            settings = EtablissementSettings(etablissement_uai=uai)
            self.db.add(settings)
        settings.publication_mode = data["mode"]
        settings.changed_at, settings.changed_by = self.clock.now(), data["account_id"]
        self.db.commit()
        # Every grade of the year may now be published at another instant.
        self.publish_news(news.items(self.db, data["mode"], Evaluation.etablissement_uai == uai,
                                     Evaluation.annee_scolaire == school_year(self.clock.today())))
        return self._settings(uai)

    @rpc
    def get_settings(self, uai):
        """Gateway administration pages: the establishment's publication mode."""
        return self._settings(check_uai(uai))

    def _settings(self, uai):
        settings = self.db.get(EtablissementSettings, uai)
        return SettingsSchema().dump({
            "etablissement_uai": uai, "publication_mode": settings.publication_mode if settings else FIL_DE_L_EAU,
            "changed_at": settings.changed_at if settings else None,
            "changed_by": settings.changed_by if settings else None})

    # -- family pages ---------------------------------------------------
    def _open_child(self, child) -> dict:
        context = load_or_raise(child_context_schema, child)
        if not self.is_open(context["etablissement_uai"]):
            raise NotesClosed(context["etablissement_uai"])
        return context

    @rpc
    def subjects(self, child, since=None, known_version=None):
        """Gateway, notes page of a child: one tile per subject with its
        teachers, its published grades and how many were published after
        `since` (the viewer's previous connection, ISO; none: all are new),
        the child's average per subject and overall; "version" names that
        content. A caller that kept the page of `known_version` gets
        {"version"} alone while the content is the same (the opening is
        checked each time). Raises NotesClosed when the establishment has not
        opened the service."""
        context = self._open_child(child)
        since_at = optional_instant(since, "since")
        uai, now = context["etablissement_uai"], self.clock.now()
        mode = self.publication_mode(uai)
        # Kept per process, keyed by what the page is built from; the
        # generation is read before the grades, so a page built from rows
        # older than the generation it is kept under is never used. The
        # viewer's previous connection changes only the counts of new grades:
        # the data is kept without it (every login moves it), the page sent
        # with the counts it gives.
        key = (str(self.db.get_bind().url), context["eleve_id"], uai, context["viewer_role"],
               context["eleve_majeur"], mode, generation(self.db, PageGeneration, uai))
        kept = _SUBJECTS_DATA.get(key, now)
        if kept is None:
            data, next_at = pages.subjects_page(self.db, context, mode, now)
            kept = {"data": data, "until": min(next_at or next_midnight(now), next_midnight(now))}
            _SUBJECTS_DATA.put(key, kept, now, kept["until"])
        new = pages.new_grades(kept["data"], since_at)
        page = _SUBJECTS.get(key + (new,), now)
        if page is None:
            page = _SUBJECTS_PAGE.dump(pages.with_new_grades(kept["data"], new))
            page["version"] = version_of(page, key[1:5])
            _SUBJECTS.put(key + (new,), page, now, kept["until"])
        if known_version is not None and known_version == page["version"]:
            return {"version": page["version"]}
        return page

    @rpc
    def subject_detail(self, child, subject_id, since=None):
        """Gateway, one subject of a child: its published grades (date, title,
        coefficient, scale, the child's grade, the evaluation's class average,
        minimum and maximum) and the child's average. NotFound for a subject
        of another establishment; NotesClosed as `subjects`."""
        context = self._open_child(child)
        subject_id = load_or_raise(SubjectRequestSchema(), {"subject_id": subject_id})["subject_id"]
        data = pages.subject_detail(self.db, context, self.publication_mode(context["etablissement_uai"]),
                                    self.clock.now(), optional_instant(since, "since"), subject_id)
        return _SUBJECT_DETAIL.dump(data)

    # -- the menu contract ----------------------------------------------
    def menu_entry(self, child):
        if not self.is_open(child["etablissement_uai"]):
            return None
        return {"label": "Notes", "path": "/notes/", "order": 20}
