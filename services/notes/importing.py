"""The back-office entry points for grades (ARCHITECTURE rule 7): subjects, then
evaluations with their grades, one row per grade as in the documented file
(docs/notes.md). An import is all or nothing: every line is checked first, and
a refusal lists every faulty line ("Ligne 12, colonne « note » : ...") having
written nothing."""
from datetime import datetime, timezone

from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import school_year
from common.errors import ValidationError
from common.import_rows import Messages, clean_row
from services.notes.models import Evaluation, Matiere, Note
from services.notes.schemas import GradeRowSchema, MatiereRowSchema

EVALUATION_FIELDS = ("matiere", "groupe", "enseignants", "date", "titre", "coefficient", "bareme",
                     "date_publication")


def evaluation_refs(rows) -> set[str]:
    """The evaluations an (accepted) grades import names."""
    return {clean_row(row)["evaluation"] for row in rows}


def _load_rows(schema, rows, messages: Messages) -> list[tuple[int, dict]]:
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lignes": ["Le fichier ne contient aucune ligne à importer."]})
    loaded = []
    for index, raw in enumerate(rows):
        row = clean_row(raw)
        line = row.get("ligne") if isinstance(row.get("ligne"), int) else index + 1
        try:
            loaded.append((line, schema.load(row)))
        except SchemaError as exc:
            messages.add_schema_errors(line, exc.messages)
    return loaded


def import_matieres(db: Session, uai: str, rows) -> dict:
    """Create or rename the establishment's subjects, by code."""
    messages = Messages()
    loaded = _load_rows(MatiereRowSchema(), rows, messages)
    first_line: dict[str, int] = {}
    for line, data in loaded:
        code = data["code"].upper()
        if code in first_line:
            messages.add(line, f"la matière {code} figure déjà à la ligne {first_line[code]}.", "code")
        first_line.setdefault(code, line)
    messages.raise_if_any()
    existing = {m.code: m for m in db.scalars(select(Matiere).where(Matiere.etablissement_uai == uai))}
    created = updated = 0
    for _line, data in loaded:
        code = data["code"].upper()
        matiere = existing.get(code)
        if matiere is None:
            db.add(Matiere(etablissement_uai=uai, code=code, libelle=data["libelle"]))
            created += 1
        elif matiere.libelle != data["libelle"]:
            matiere.libelle = data["libelle"]
            updated += 1
    db.flush()
    return {"matieres": {"creees": created, "modifiees": updated}}


def import_grades(db: Session, uai: str, rows, eleves: dict[str, int], now: datetime) -> dict:
    """`eleves`: the establishment's students, SIECLE id -> eleve_id (from accounts)."""
    now = now.astimezone(timezone.utc)
    messages = Messages()
    loaded = _load_rows(GradeRowSchema(), rows, messages)
    matieres = {m.code: m for m in db.scalars(select(Matiere).where(Matiere.etablissement_uai == uai))}
    evaluations: dict[str, tuple[int, dict]] = {}
    grades: dict[tuple[str, str], int] = {}
    good = []
    for line, data in loaded:
        ok = True
        data["matiere"] = data["matiere"].upper()
        if data["matiere"] not in matieres:
            messages.add(line, f"matière inconnue ({data['matiere']}) : déclarez d'abord les matières "
                               "de l'établissement.", "matiere")
            ok = False
        if data["eleve"] not in eleves:
            messages.add(line, f"élève inconnu dans cet établissement (identifiant {data['eleve']}).", "eleve")
            ok = False
        if data["saisie_le"] is not None and data["saisie_le"] > now:
            messages.add(line, "la date de saisie est dans le futur.", "saisie_le")
            ok = False
        ref = data["evaluation"]
        described = {key: data[key] for key in EVALUATION_FIELDS}
        if ref in evaluations:
            first, first_described = evaluations[ref]
            differing = [key for key in EVALUATION_FIELDS if first_described[key] != described[key]]
            if differing:
                messages.add(line, f"l'évaluation {ref} est décrite autrement qu'à la ligne {first} "
                                   f"({', '.join(differing)}).", "evaluation")
                ok = False
        else:
            evaluations[ref] = (line, described)
        if (ref, data["eleve"]) in grades:
            messages.add(line, f"l'élève {data['eleve']} a déjà une note pour l'évaluation {ref} "
                               f"(ligne {grades[ref, data['eleve']]}).", "eleve")
            ok = False
        grades.setdefault((ref, data["eleve"]), line)
        if ok:
            good.append(data)
    messages.raise_if_any()
    return _write_grades(db, uai, good, evaluations, matieres, eleves, now)


def _write_grades(db, uai, rows, evaluations, matieres, eleves, now) -> dict:
    report = {"evaluations": {"creees": 0, "modifiees": 0},
              "notes": {"creees": 0, "modifiees": 0, "inchangees": 0}}
    existing = {e.ref: e for e in db.scalars(
        select(Evaluation).where(Evaluation.etablissement_uai == uai, Evaluation.ref.in_(list(evaluations))))}
    by_ref = {}
    for ref, (_line, described) in evaluations.items():
        evaluation = existing.get(ref)
        values = {
            "matiere_id": matieres[described["matiere"]].id, "groupe": described["groupe"],
            "enseignants": described["enseignants"], "date": described["date"],
            "annee_scolaire": school_year(described["date"]), "titre": described["titre"],
            "coefficient": described["coefficient"], "bareme": described["bareme"],
            "date_publication": described["date_publication"],
        }
        if evaluation is None:
            evaluation = Evaluation(etablissement_uai=uai, ref=ref, **values)
            db.add(evaluation)
            report["evaluations"]["creees"] += 1
        else:
            changed = False
            for key, value in values.items():
                if getattr(evaluation, key) != value:
                    setattr(evaluation, key, value)
                    changed = True
            report["evaluations"]["modifiees"] += changed
        by_ref[ref] = evaluation
    db.flush()
    notes = {(n.evaluation_id, n.eleve_id): n for n in db.scalars(
        select(Note).where(Note.evaluation_id.in_([e.id for e in by_ref.values()])))}
    for data in rows:
        evaluation = by_ref[data["evaluation"]]
        eleve_id = eleves[data["eleve"]]
        valeur, code = data["note"]
        note = notes.get((evaluation.id, eleve_id))
        if note is None:
            db.add(Note(evaluation_id=evaluation.id, eleve_id=eleve_id, valeur=valeur, code=code,
                        saisie_le=data["saisie_le"] or now))
            report["notes"]["creees"] += 1
        elif (note.valeur, note.code) != (valeur, code):
            # A corrected grade is a new entry: "au fil de l'eau" publishes it the next day.
            note.valeur, note.code, note.saisie_le = valeur, code, data["saisie_le"] or now
            report["notes"]["modifiees"] += 1
        else:
            if data["saisie_le"] is not None:
                note.saisie_le = data["saisie_le"]
            report["notes"]["inchangees"] += 1
    db.flush()
    return report
