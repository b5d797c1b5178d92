"""What the notes service tells accounts for the home page's tile "N nouvelles
notes" (common.news): one item per grade, keyed by the grade, visible from
its publication instant (the one rule, `publication.publication_instant`).
An item is sent again whenever that instant may have moved: the grade
re-entered, its evaluation's publication date changed, the establishment's
publication mode changed."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import news
from services.notes.models import Evaluation, Note
from services.notes.publication import publication_instant

KIND = "note"
KINDS = {KIND: {"one": "1 nouvelle note", "many": "{n} nouvelles notes", "path": "/notes/"}}


def items(db: Session, mode: str, *where) -> list[dict]:
    """News items of the grades of the evaluations matching `where`."""
    rows = db.connection().execute(
        select(Note.id, Note.eleve_id, Note.saisie_le, Evaluation.date_publication)
        .join(Evaluation, Note.evaluation_id == Evaluation.id).where(*where).order_by(Note.id))
    return [news.item(f"note:{note_id}", eleve_id, KIND, publication_instant(mode, saisie_le, date_publication))
            for note_id, eleve_id, saisie_le, date_publication in rows]
