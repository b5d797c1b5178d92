"""The establishment's vie scolaire settings as its staff edit them on the
administration pages (issue 15): the half-day boundary, the motif table (which
motifs families may pick online), and the period calendar, per class or by
default. The rules are the imports' own (importing.py): a page's form goes
through the same checks as a file, only the refusals are worded for a form,
beside each field, instead of by line."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import school_year
from common.errors import ValidationError
from common.import_rows import Messages
from services.vie_scolaire import importing
from services.vie_scolaire.models import EleveClasse, Motif, Periode
from services.vie_scolaire.pages import boundary

class FieldMessages(Messages):
    """Refusals keyed by form field: `prefix(line)` + the column, so that the
    gateway puts each message beside its field."""

    def __init__(self, prefix=lambda line: ""):
        super().__init__()
        self.prefix = prefix
        self.fields: dict[str, list[str]] = {}

    def add(self, line: int, message: str, column: str | None = None) -> None:
        # The import's column names are the form's field names.
        key = f"{self.prefix(line)}{column}" if column else "_"
        text = message[:1].upper() + message[1:]
        self.fields.setdefault(key, []).append(text)
        self.items.append((line, text))

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def view(db: Session, uai: str, today) -> dict:
    """What the settings page shows: the boundary, the motifs, the classes the
    service knows, and this school year's calendars ("" is the default one)."""
    year = school_year(today)
    calendars: dict[str, list[dict]] = {}
    for p in db.scalars(select(Periode).where(Periode.etablissement_uai == uai, Periode.annee_scolaire == year)
                        .order_by(Periode.classe, Periode.numero)):
        calendars.setdefault(p.classe, []).append(
            {"numero": p.numero, "libelle": p.libelle, "debut": p.debut.isoformat(), "fin": p.fin.isoformat()})
    classes = sorted({c for c in db.scalars(select(EleveClasse.classe).where(EleveClasse.etablissement_uai == uai))
                      if c} | {c for c in calendars if c})
    return {
        "etablissement_uai": uai, "annee_scolaire": year, "heure_demi_journee": boundary(db, uai).strftime("%H:%M"),
        "motifs": [{"code": m.code, "libelle": m.libelle, "parents": m.parents} for m in db.scalars(
            select(Motif).where(Motif.etablissement_uai == uai).order_by(Motif.libelle))],
        "classes": classes,
        "calendriers": [{"classe": classe, "periodes": periods} for classe, periods in sorted(calendars.items())],
    }


def save_motif(db: Session, uai: str, motif) -> dict:
    """Create or change one motif, by code ({"code", "libelle", "parents"})."""
    if not isinstance(motif, dict):
        raise ValidationError({"_": ["Données invalides."]})
    row = {"code": motif.get("code"), "libelle": motif.get("libelle"),
           "parents": "oui" if motif.get("parents") is True else "non" if motif.get("parents") is False
           else motif.get("parents")}
    return importing.import_codes(db, Motif, uai, [row], messages=FieldMessages())


def save_calendrier(db: Session, uai: str, classe, periodes) -> dict:
    """Replace one class's calendar ("" the default one) with these 2 or 3
    periods ({"numero", "libelle", "debut", "fin"}, dates jj/mm/aaaa)."""
    if not isinstance(classe, str) or not isinstance(periodes, list) or not periodes:
        raise ValidationError({"_": ["Indiquez les périodes."]})
    rows = [{**p, "classe": classe, "ligne": p.get("numero") if isinstance(p, dict) else None}
            for p in periodes if isinstance(p, dict)]
    return importing.import_periodes(db, uai, rows, messages=FieldMessages(lambda line: f"p{line}_"))
