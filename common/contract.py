"""The contract every feature service implements so the gateway can compose a
child's menu and home page without knowing the service (ARCHITECTURE rule 4).

Menu: a service implements `menu_entry(child)`: its entry in the child's menu
for this viewer, or None (not open, not for this viewer). The mixin answers
`menus(children)` for all the children of a page at once (one call per
service); the gateway caches the answers per worker and drops them on the
service's `opening_changed` and `menu_changed` notices (gateway/menus.py).

Home tiles: a service sends news items (`publish_news`, common/news.py) when
something becomes, or will become, visible to a family; accounts keeps them and
the home page reads them with the session, in one call whatever the number of
services.

Liveness: every instance sends an `alive` notice every SCOLARITE_HEARTBEAT_SECONDS; the
gateway shows a service it has not heard from for a bounded time as
"momentanément indisponible" without waiting on it.

Former students: a service that serves students who left the académie
(`sorti_le` in the child context) declares for how many months in its wire
contract (`FORMER_STUDENTS_MONTHS` in contract/<service>.py: the LSL's 5).
Only such a service has an entry for them; accounts lists them to their family
for the longest of these declarations, and the gateway lets a page name such a
child only where the child's menu has that service's entry.

Openings: a service that establishments open (`opening_model` set) answers
`get_openings` and `set_opening` for the administration pages, and announces
each change with a notice event `opening_changed` so caches refresh.
"""
from sqlalchemy import bindparam, select

from common import news
from common.clock import school_year, staff_school_years
from common.errors import Forbidden, ValidationError
from common.messaging import notice_dispatcher, rpc, work_dispatcher
from common.rpc_client import ServiceRpc
from common.former_students import former_students_months, longest_former_students_months  # noqa: F401
from common.settings import setting_timer
# Re-exported: services import the schemas from here.
from contract.feature import (  # noqa: F401
    ROLES, ChildContextSchema, MenuEntrySchema, child_context_schema, menu_entry_schema)


_OPENING_STATEMENTS: dict = {}


def _opening_statement(model):
    statement = _OPENING_STATEMENTS.get(model)
    if statement is None:
        statement = _OPENING_STATEMENTS[model] = select(model.is_open).where(
            model.etablissement_uai == bindparam("uai"), model.annee_scolaire == bindparam("annee_scolaire"))
    return statement


class FeatureContract:
    """Mixin for a Nameko service class (which has `db` and `clock`)."""

    # The service's Opening model (common.openings.OpeningMixin), or None for a
    # service that is always there (accounts).
    opening_model = None
    # Open until staff close it (FAQ: the fiche de renseignements is open by default).
    opened_by_default = False
    # False for a service the académie opens for every eligible family, that the
    # head cannot close (FAQ: lycée enrollment).
    staff_can_change_opening = True

    notices = notice_dispatcher()
    news_events = work_dispatcher()
    # Who administers an establishment is the accounts service's rule.
    accounts = ServiceRpc("accounts", timeout=10)
    # {kind: {"one": "1 nouvelle note", "many": "{n} nouvelles notes", "path": "/notes/"}}
    news_kinds: dict = {}
    # False for a service whose `menu_entry` reads nothing of the child but
    # its establishment, the viewer's role, whether the student is an adult and
    # whether they left: the gateways then keep one entry for every child of
    # the establishment (gateway/composition.py), and a family's first page
    # asks this service nothing once another family of that establishment had
    # its menu. True (the default) when the entry depends on the child's own
    # records (a livret, an assignment, an application).
    menu_per_child = True

    def publish_news(self, items: list[dict]) -> None:
        """Tell accounts what is new for which child and from when (common.news)."""
        for payload in news.events(self.name, self.news_kinds, items):
            self.news_events("news", payload)

    @setting_timer("heartbeat_seconds")
    def heartbeat(self):
        """Tells every gateway worker this service answers (transient notice)."""
        self.notices("alive", {"service": self.name})

    @rpc
    def menus(self, children):
        """Gateway, on a menu cache miss: each child's menu entry for this viewer
        (None when not open or not for this viewer), in order."""
        contexts = child_context_schema.load(children, many=True)
        out = []
        for c in contexts:
            entry = self.menu_entry(c) if c["sorti_le"] is None or former_students_months(self.name) else None
            out.append({"eleve_id": c["eleve_id"], "menu": menu_entry_schema.dump(entry) if entry else None,
                        "per_child": self.menu_per_child})
        return out

    def is_open(self, uai: str) -> bool:
        """Whether `uai` opened the service this school year (checked on every
        family page: one statement, built once per model)."""
        if self.opening_model is None:
            return True
        is_open = self.db.connection().execute(_opening_statement(self.opening_model), {
            "uai": uai, "annee_scolaire": school_year(self.clock.today())}).scalar()
        return self.opened_by_default if is_open is None else is_open

    @rpc
    def get_openings(self, uais, annee_scolaire=None):
        """Gateway administration pages: {uai: {"open", "staff_can_change",
        "annee_scolaire"}} for these establishments (current school year by default)."""
        year = annee_scolaire or school_year(self.clock.today())
        rows = {}
        if self.opening_model is not None:
            rows = {r.etablissement_uai: r.is_open for r in self.db.scalars(
                select(self.opening_model).where(self.opening_model.etablissement_uai.in_(uais),
                                                 self.opening_model.annee_scolaire == year))}
        return {uai: {"open": rows.get(uai, self.opened_by_default) if self.opening_model else True,
                      "staff_can_change": self.opening_model is not None and self.staff_can_change_opening,
                      "annee_scolaire": year} for uai in uais}

    @rpc
    def set_opening(self, uai, is_open, account_id, annee_scolaire=None):
        """Gateway administration pages (the viewer's account), or a back-office
        tool of the académie (`account_id=None`: demo data, tests): open or
        close this service at `uai` for a school year. Refuses (Forbidden) a
        service staff do not open, and an account that does not administer
        `uai` (accounts' `administers`); refuses (ValidationError) a year other
        than the current or the next one."""
        if self.opening_model is None or not self.staff_can_change_opening:
            raise Forbidden("Ce service ne s'ouvre pas depuis l'établissement.")
        years = staff_school_years(self.clock.today())
        year = annee_scolaire or years[0]
        if year not in years:
            raise ValidationError({"annee_scolaire": [
                "Un service ne s'ouvre ou ne se ferme que pour l'année scolaire en cours ou la suivante."]})
        if account_id is not None and not self.accounts.administers(account_id=account_id, uai=uai):
            raise Forbidden("Vous n'administrez pas cet établissement.")
        row = self.db.get(self.opening_model, (uai, year))
        if row is None:
            row = self.opening_model(etablissement_uai=uai, annee_scolaire=year)
            self.db.add(row)
        row.is_open, row.changed_at, row.changed_by = bool(is_open), self.clock.now(), account_id
        self.db.commit()
        self.notices("opening_changed", {"etablissement_uai": uai, "annee_scolaire": year})
        return {"open": row.is_open, "annee_scolaire": year}

    def menu_entry(self, child: dict) -> dict | None:
        raise NotImplementedError
