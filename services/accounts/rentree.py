"""The new school year in accounts (FAQ "Suis-je obligé de créer un nouveau
compte chaque année ?", "Mon enfant change d'établissement"): what a new
year's SIECLE import does to the records it no longer finds.

- Accounts are kept: the import updates what changed, never deletes.
- A student the new file no longer holds, or holds with a date of leaving,
  left the establishment. Their links end ("sortie") with when and why, and
  an audit line in each account concerned. The family then keeps what former
  students keep (FORMER_STUDENT_MONTHS), nothing else.
- A student who reappears in another establishment of the académie moved
  ("changement"): the old record's links end and the new one carries on
  (importing.follow_moved_students).
- A link the file no longer holds for a student still there ends ("retire").
- An import that would detach most of an establishment's students (an empty
  or truncated file) is refused with a report unless the operator confirms.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from common.dates import PARIS, add_months
from common.former_students import longest_former_students_months
from services.accounts import audit
from services.accounts.models import Account, Eleve, Etablissement, Lien, Responsable

# Accounts keeps listing a former student to their family as long as a service
# serves them: the longest its contract declares (the LSL's 5 months, FAQ,
# contract/lsl.py), and only those services answer for them
# (common.contract.FeatureContract.menus); the LSL enforces its own access.
FORMER_STUDENT_MONTHS = longest_former_students_months()

SORTIE, CHANGEMENT, RETIRE = "sortie", "changement", "retire"

# The guard against an empty or truncated file: refused when more than this
# share of the establishment's students would leave at once, unless confirmed.
DETACH_GUARD_SHARE = 0.5
# ...and only for an establishment of some size: a school of 3 students
# losing 2 is a plausible year.
DETACH_GUARD_MIN_STUDENTS = 10


def fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def former_until(date_sortie: date) -> date:
    """The last day a family still sees a student who left on `date_sortie`."""
    noon = datetime.combine(date_sortie, time(12), tzinfo=PARIS)
    return add_months(noon, FORMER_STUDENT_MONTHS).date()


def is_former_child_visible(date_sortie: date | None, today: date) -> bool:
    return date_sortie is not None and date_sortie <= today <= former_until(date_sortie)


class DetachRefused(Exception):
    """The import would detach most students of the establishment: nothing
    was changed. `report` says how many and who, in French."""

    def __init__(self, report: dict):
        super().__init__(report["message"])
        self.report = report


def check_detach_guard(active_before: int, leaving: list[Eleve], confirm: bool) -> dict | None:
    """None when the import may go on; otherwise the refusal's report."""
    if confirm or active_before < DETACH_GUARD_MIN_STUDENTS or len(leaving) <= active_before * DETACH_GUARD_SHARE:
        return None
    shown = sorted(leaving, key=lambda e: (e.classe or "", e.nom, e.prenom))[:20]
    return {
        "eleves_actifs": active_before,
        "eleves_detaches": len(leaving),
        "exemples": [f"{e.prenom} {e.nom} ({e.classe or 'sans classe'})" for e in shown],
        "message": (f"Import refusé : il détacherait {len(leaving)} des {active_before} élèves de l'établissement "
                    f"(plus de {int(DETACH_GUARD_SHARE * 100)} %). Le fichier est peut-être vide ou tronqué. "
                    "Rien n'a été modifié. Si ces départs sont réels, relancez l'import en le confirmant."),
    }


def _eleve_label(db: Session, eleve: Eleve) -> str:
    etab = db.get(Etablissement, eleve.etablissement_uai)
    return f"{eleve.prenom} {eleve.nom} ({etab.nom if etab else eleve.etablissement_uai})"


def end_link(db: Session, lien: Lien, kind: str, on: date, reason: str, now: datetime) -> None:
    """End a link: it stays, with when and why, and the guardian's account
    (if any) gets a line in its journal."""
    lien.ended_on, lien.end_kind, lien.end_reason = on, kind, reason[:300]
    account = lien.responsable.account
    if account is not None:
        audit.record(db, account, "lien_termine", now,
                     detail=f"{_eleve_label(db, lien.eleve)}, fin le {fr(on)} : {reason}")


def reopen_link(lien: Lien) -> None:
    lien.ended_on = lien.end_kind = lien.end_reason = None


def student_left(db: Session, eleve: Eleve, on: date, reason: str, now: datetime) -> None:
    """`eleve` left the establishment on `on`: the record stays (inactive),
    every open link ends as a departure, the student's account gets a line."""
    eleve.active, eleve.date_sortie = False, on
    for lien in eleve.liens:
        if lien.ended_on is None:
            end_link(db, lien, SORTIE, on, reason, now)
    account = db.scalar(select(Account).where(Account.eleve_id == eleve.id))
    if account is not None:
        audit.record(db, account, "sortie", now, detail=f"{_eleve_label(db, eleve)} : {reason}")


def student_moved(db: Session, old: Eleve, new_uai: str, today: date, now: datetime) -> None:
    """The student of `old` now studies at `new_uai`: the old record's links
    end as a move (a departure recorded before becomes a move), so the family
    no longer sees the old record, only the new one."""
    etab = db.get(Etablissement, new_uai)
    reason = f"changement d'établissement (vers {etab.nom if etab else new_uai})"
    on = old.date_sortie or today
    for lien in old.liens:
        if lien.ended_on is None or lien.end_kind == SORTIE:
            end_link(db, lien, CHANGEMENT, lien.ended_on or on, reason, now)


def former_children_of_guardian(db: Session, account_id: int, today: date) -> list[Eleve]:
    """The students who left the académie whose legal guardian this account
    was, while the family still sees them."""
    global _FORMER_CHILDREN
    if _FORMER_CHILDREN is None:
        from services.accounts.importing import REPRESENTANT_LEGAL

        # Built once: every page's view runs it.
        _FORMER_CHILDREN = (
            select(Eleve).join(Lien).join(Responsable)
            .where(Responsable.account_id == bindparam("account_id"), Lien.niveau_responsabilite == REPRESENTANT_LEGAL,
                   Lien.end_kind == SORTIE, Eleve.active.is_(False), Eleve.date_sortie.is_not(None),
                   # A coarse bound for the index; the exact rule is below.
                   Eleve.date_sortie >= bindparam("left_since")))
    rows = db.scalars(_FORMER_CHILDREN, {
        "account_id": account_id, "left_since": today - timedelta(days=31 * (FORMER_STUDENT_MONTHS + 1))}).unique()
    return [e for e in rows if is_former_child_visible(e.date_sortie, today)]


_FORMER_CHILDREN = None
