"""The data of the families' notes pages and tiles, for one child. Each page
runs a fixed number of SQL statements whatever the number of grades: the
child's grades come in one query, the class figures of a subject's
evaluations in one more; the publication rule filters them in Python
(`publication.publication_instant`), so it is written once."""
import json
import unicodedata
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import Session

from common.clock import PARIS, school_year
from common.errors import NotFound
from services.notes.averages import class_stats, overall_average, subject_average
from services.notes.models import CODES, Evaluation, Matiere, Note
from services.notes.publication import publication_instant


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _is_new(published_at: datetime, since: datetime | None) -> bool:
    # Never connected before: everything published is new to the viewer.
    return since is None or published_at > since


# Built once: constructing the statement costs more than running it on a
# page of a few hundred grades. `enseignants` is read as its JSON text and
# decoded once per distinct text (a subject's evaluations share their teachers).
_GRADES = (
    select(Note.valeur, Note.code, Note.saisie_le, Evaluation.id, Evaluation.date, Evaluation.titre,
           Evaluation.coefficient, Evaluation.bareme, Evaluation.date_publication,
           cast(Evaluation.enseignants, Text), Matiere.id, Matiere.libelle)
    .join(Evaluation, Note.evaluation_id == Evaluation.id)
    .join(Matiere, Evaluation.matiere_id == Matiere.id)
    .where(Note.eleve_id == bindparam("eleve_id"),
           Evaluation.etablissement_uai == bindparam("uai"),
           Evaluation.annee_scolaire == bindparam("annee"))
    .order_by(Evaluation.date.desc(), Evaluation.id.desc())
)
_GRADES_OF_SUBJECT = _GRADES.where(Evaluation.matiere_id == bindparam("matiere_id"))


def visible_grades(db: Session, child: dict, mode: str, now: datetime,
                   matiere_id: int | None = None) -> tuple[list[dict], datetime | None]:
    """The child's published grades of this school year in its establishment,
    newest evaluation first, each with the instant it was published; and the
    next instant one of the child's grades is published (None: none waits)."""
    params = {"eleve_id": child["eleve_id"], "uai": child["etablissement_uai"],
              "annee": school_year(now.astimezone(PARIS).date())}
    query = _GRADES
    if matiere_id is not None:
        query, params["matiere_id"] = _GRADES_OF_SUBJECT, matiere_id
    teachers: dict[str | None, list] = {}
    out, next_at = [], None
    for (valeur, code, saisie_le, evaluation_id, day, titre, coefficient, bareme, date_publication,
         enseignants, mid, libelle) in db.connection().execute(query, params):
        published_at = publication_instant(mode, saisie_le, date_publication)
        if published_at is None:
            continue
        if published_at > now:
            next_at = published_at if next_at is None else min(next_at, published_at)
            continue
        if enseignants not in teachers:
            teachers[enseignants] = json.loads(enseignants) if enseignants else []
        out.append({"evaluation_id": evaluation_id, "date": day, "titre": titre, "coefficient": coefficient,
                    "bareme": bareme, "valeur": valeur, "code": code, "enseignants": teachers[enseignants],
                    "matiere_id": mid, "matiere": libelle, "date_publication": date_publication,
                    "published_at": published_at})
    return out, next_at


def _average_of(grades: list[dict]) -> dict:
    return subject_average((g["valeur"], g["code"], g["coefficient"], g["bareme"]) for g in grades)


def _teachers(grades: list[dict]) -> list[str]:
    seen = []
    for g in grades:
        for name in g["enseignants"]:
            if name not in seen:
                seen.append(name)
    return seen


def subjects_page(db: Session, child: dict, mode: str, now: datetime) -> tuple[dict, datetime | None]:
    """The subjects page for any viewer's previous connection, and the next
    instant the clock changes it (a grade published; None: none waits). Each
    subject carries the instants its grades were published (`published`, not
    sent): `new_grades` counts the new ones for a viewer, so the page's data
    can be kept whoever asks (services/notes/service.py)."""
    by_subject: dict[int, list[dict]] = {}
    grades, next_at = visible_grades(db, child, mode, now)
    for g in grades:
        by_subject.setdefault(g["matiere_id"], []).append(g)
    matieres = []
    for matiere_id, grades in by_subject.items():
        matieres.append({
            "id": matiere_id, "libelle": grades[0]["matiere"], "enseignants": _teachers(grades),
            "nb_notes": len(grades), "derniere_note": grades[0]["date"],
            "published": [g["published_at"] for g in grades],
            **_average_of(grades),
        })
    matieres.sort(key=lambda m: _sort_key(m["libelle"]))
    return {
        "publication_mode": mode,
        "matieres": matieres,
        "moyenne_generale": overall_average([m["moyenne"] for m in matieres]),
        "matieres_avec_moyenne": sum(1 for m in matieres if m["moyenne"] is not None),
    }, next_at


def new_grades(page: dict, since: datetime | None) -> tuple[int, ...]:
    """How many of each subject's grades (in the page's order) are new to a
    viewer whose previous connection was `since` (`_is_new`)."""
    return tuple(sum(1 for published_at in m["published"] if _is_new(published_at, since))
                 for m in page["matieres"])


def with_new_grades(page: dict, new: tuple[int, ...]) -> dict:
    """`page` (from `subjects_page`) with each subject's count of new grades."""
    return {**page, "matieres": [{**m, "nouvelles_notes": n} for m, n in zip(page["matieres"], new)]}


def subject_detail(db: Session, child: dict, mode: str, now: datetime, since: datetime | None,
                   matiere_id: int) -> dict:
    matiere = db.get(Matiere, matiere_id)
    if matiere is None or matiere.etablissement_uai != child["etablissement_uai"]:
        raise NotFound(matiere_id)
    grades, _next_at = visible_grades(db, child, mode, now, matiere_id=matiere_id)
    stats = _class_figures(db, mode, now, {g["evaluation_id"]: g for g in grades})
    notes = [{
        "date": g["date"], "titre": g["titre"], "coefficient": g["coefficient"], "bareme": g["bareme"],
        "valeur": g["valeur"], "code": g["code"], "code_libelle": CODES.get(g["code"]),
        "nouvelle": _is_new(g["published_at"], since), "enseignants": g["enseignants"],
        **stats[g["evaluation_id"]],
    } for g in grades]
    return {
        "publication_mode": mode,
        "matiere": {"id": matiere.id, "libelle": matiere.libelle, "enseignants": _teachers(grades)},
        "notes": notes,
        **_average_of(grades),
    }


def _class_figures(db: Session, mode: str, now: datetime, evaluations: dict[int, dict]) -> dict[int, dict]:
    """Each evaluation's class average, minimum and maximum over the grades
    published so far (an unpublished grade counts nowhere)."""
    values: dict[int, list] = {evaluation_id: [] for evaluation_id in evaluations}
    if evaluations:
        rows = db.connection().execute(select(Note.evaluation_id, Note.valeur, Note.saisie_le)
                          .where(Note.evaluation_id.in_(list(evaluations)), Note.code.is_(None)))
        for evaluation_id, valeur, saisie_le in rows:
            published_at = publication_instant(mode, saisie_le, evaluations[evaluation_id]["date_publication"])
            if published_at is not None and published_at <= now and valeur is not None:
                values[evaluation_id].append(valeur)
    return {evaluation_id: class_stats(v) for evaluation_id, v in values.items()}
