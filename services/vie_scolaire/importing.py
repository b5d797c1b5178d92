"""The back-office entry points (ARCHITECTURE rule 7): the school's motif
table, its list of punishments, the period calendar of its classes, then the
events, one row per event as in the documented file (docs/vie_scolaire.md).
An import is all or nothing: every line is checked first, and a refusal lists
every faulty line ("Ligne 12, colonne « fin » : ...") having written nothing.
An event already imported (same `ref`) is corrected, its previous values kept
in its history; "erreur de saisie" cancels it, never deletes it."""
from datetime import date, datetime, timezone

from marshmallow import ValidationError as SchemaError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from common.clock import PARIS, school_year
from common.errors import ValidationError
from common.import_rows import Messages, clean_row
from services.vie_scolaire.models import (ABSENCE, DISPENSE, MESURE, PUNITION, RETARD, SANCTION, SANCTIONS,
                                          SIGNALEMENT, SORTIE, STAGE, SURSIS_ALLOWED, EleveClasse, Evenement,
                                          EvenementVersion, Motif, Periode, TypePunition)
from services.vie_scolaire.publication import flag_name
from services.vie_scolaire.schemas import (EvenementRowSchema, MotifRowSchema, PeriodeRowSchema,
                                           TypePunitionRowSchema)


# The optional columns each kind takes; any other one filled in is refused.
TAKES = {
    ABSENCE: {"fin", "motif", "justifiee", "publiable_en_ligne", "detail"},
    RETARD: {"minutes", "motif", "justifiee", "publiable_en_ligne", "detail"},
    PUNITION: {"type", "detail", "publiable_en_ligne"},
    SANCTION: {"type", "duree", "sursis", "detail", "famille_avisee"},
    MESURE: {"detail", "famille_avisee"},
    DISPENSE: {"fin", "detail"},
    STAGE: {"fin", "detail"},
    SORTIE: {"fin", "detail"},
    SIGNALEMENT: {"detail"},
}
OPTIONAL = ("fin", "minutes", "motif", "type", "duree", "sursis", "detail", "justifiee", "publiable_en_ligne",
            "famille_avisee")
NATURE_NAMES = {ABSENCE: "une absence", RETARD: "un retard", PUNITION: "une punition", SANCTION: "une sanction",
                MESURE: "une mesure", DISPENSE: "une dispense", STAGE: "un stage", SORTIE: "une sortie",
                SIGNALEMENT: "un signalement"}
# What an event's history keeps of it.
VERSIONED = ("eleve_id", "nature", "debut", "fin", "minutes", "motif_code", "type_code", "duree", "sursis",
             "detail", "justifiee", "publiable_en_ligne", "famille_avisee", "saisie_le", "annule")


def _line(row: dict, index: int) -> int:
    return row["ligne"] if isinstance(row.get("ligne"), int) and not isinstance(row.get("ligne"), bool) else index + 1


def _load_rows(schema, rows, messages: Messages) -> list[tuple[int, dict]]:
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lignes": ["Le fichier ne contient aucune ligne à importer."]})
    loaded = []
    for index, raw in enumerate(rows):
        row = clean_row(raw)
        try:
            loaded.append((_line(row, index), schema.load(row)))
        except SchemaError as exc:
            messages.add_schema_errors(_line(row, index), exc.messages)
    return loaded


def _codes_once(loaded, messages: Messages) -> None:
    first_line: dict[str, int] = {}
    for line, data in loaded:
        data["code"] = data["code"].upper()
        if data["code"] in first_line:
            messages.add(line, f"le code {data['code']} figure déjà à la ligne {first_line[data['code']]}.", "code")
        first_line.setdefault(data["code"], line)


def import_codes(db: Session, model, uai: str, rows, messages: Messages | None = None) -> dict:
    """Create or update the establishment's motifs (`Motif`) or punishments
    (`TypePunition`), by code. A code no longer in the file stays: events
    already entered still name it. `messages`: how refusals are worded (a
    file's lines by default; reglages.FieldMessages for a page's form)."""
    messages = messages if messages is not None else Messages()
    loaded = _load_rows(MotifRowSchema() if model is Motif else TypePunitionRowSchema(), rows, messages)
    _codes_once(loaded, messages)
    messages.raise_if_any()
    existing = {m.code: m for m in db.scalars(select(model).where(model.etablissement_uai == uai))}
    created = updated = 0
    for _line_no, data in loaded:
        data.pop("ligne", None)
        row = existing.get(data["code"])
        if row is None:
            db.add(model(etablissement_uai=uai, **data))
            created += 1
        elif any(getattr(row, key) != value for key, value in data.items()):
            for key, value in data.items():
                setattr(row, key, value)
            updated += 1
    db.flush()
    return {"crees": created, "modifies": updated}


def import_periodes(db: Session, uai: str, rows, messages: Messages | None = None) -> dict:
    """Replace the calendar of each class named in the file (empty class: the
    establishment's default calendar) for the school year of its periods:
    numbered from 1, in order, without overlap, 2 (semesters) or 3
    (trimesters) per class, all in one school year. `messages` as import_codes."""
    messages = messages if messages is not None else Messages()
    loaded = _load_rows(PeriodeRowSchema(), rows, messages)
    # A line refused as such is not counted as missing from its calendar.
    lines_refused = bool(messages.items)
    by_class: dict[str, list[tuple[int, dict]]] = {}
    for line, data in loaded:
        data["classe"] = data["classe"].strip().upper()
        data["annee_scolaire"] = school_year(data["debut"])
        if school_year(data["fin"]) != data["annee_scolaire"]:
            messages.add(line, "une période ne peut pas s'étendre sur deux années scolaires.", "fin")
        by_class.setdefault(data["classe"], []).append((line, data))
    for classe, periods in by_class.items():
        name, of_name = (f"la classe {classe}", f"de la classe {classe}") if classe else (
            "le calendrier par défaut", "du calendrier par défaut")
        periods.sort(key=lambda item: item[1]["numero"])
        numbers = [data["numero"] for _line_no, data in periods]
        if numbers not in ([1, 2], [1, 2, 3]) and not lines_refused:
            messages.add(periods[0][0], f"{name} doit avoir 2 semestres (1, 2) ou 3 trimestres (1, 2, 3) ; "
                                        f"le fichier donne {', '.join(map(str, numbers))}.", "numero")
        years = {data["annee_scolaire"] for _line_no, data in periods}
        if len(years) > 1:
            messages.add(periods[0][0], f"les périodes {of_name} ne sont pas dans la même année scolaire.", "debut")
        for (_l1, before), (line, after) in zip(periods, periods[1:]):
            if after["debut"] <= before["fin"]:
                messages.add(line, f"la période {after['numero']} {of_name} commence avant la fin de la "
                                   f"période {before['numero']}.", "debut")
    messages.raise_if_any()
    replaced = 0
    for classe, periods in by_class.items():
        year = periods[0][1]["annee_scolaire"]
        replaced += db.execute(delete(Periode).where(
            Periode.etablissement_uai == uai, Periode.annee_scolaire == year, Periode.classe == classe)).rowcount
        for _line_no, data in periods:
            data.pop("ligne", None)
            db.add(Periode(etablissement_uai=uai, **data))
    db.flush()
    return {"classes": len(by_class), "periodes": sum(len(p) for p in by_class.values()), "remplacees": replaced}


def check_kind(data: dict, motifs: set, punitions: set) -> list[tuple[str, str]]:
    """(column, message) for each rule of the event's kind the row breaks."""
    nature = data["nature"]
    errors = []
    for column in OPTIONAL:
        if data.get(column) is not None and column not in TAKES[nature]:
            errors.append((column, f"ne s'applique pas à {NATURE_NAMES[nature]}."))
    if "fin" in TAKES[nature]:
        if data["fin"] is None:
            errors.append(("fin", "la fin est obligatoire pour " + NATURE_NAMES[nature] + "."))
        elif data["fin"] <= data["debut"]:
            errors.append(("fin", "la fin doit être après le début."))
    if nature == RETARD and data["minutes"] is None:
        errors.append(("minutes", "la durée du retard en minutes est obligatoire."))
    if data.get("motif") is not None and "motif" in TAKES[nature]:
        data["motif"] = data["motif"].upper()
        if data["motif"] not in motifs:
            errors.append(("motif", f"motif inconnu ({data['motif']}) : déclarez d'abord la table des motifs "
                                    "de l'établissement."))
    if nature == PUNITION:
        code = (data.get("type") or "").upper()
        if not code:
            errors.append(("type", "le type de punition est obligatoire."))
        elif code not in punitions:
            errors.append(("type", f"punition inconnue ({code}) : déclarez d'abord la liste des punitions "
                                   "de l'établissement."))
        data["type"] = code or None
    if nature == SANCTION:
        errors += _check_sanction(data)
    if nature == MESURE and not data.get("detail"):
        errors.append(("detail", "décrivez la mesure de prévention ou d'accompagnement."))
    return errors


def _check_sanction(data: dict) -> list[tuple[str, str]]:
    code = (data.get("type") or "").upper()
    data["type"] = code or None
    if code not in SANCTIONS:
        return [("type", "sanction hors de la liste de l'article R511-13 du code de l'éducation : "
                         + ", ".join(SANCTIONS) + ".")]
    rule, errors = SANCTIONS[code], []
    if "max" in rule:
        if data.get("duree") is None:
            errors.append(("duree", f"la durée en {rule['unite']} est obligatoire pour cette sanction."))
        elif data["duree"] > rule["max"]:
            errors.append(("duree", f"{rule['libelle']} : {rule['max']} {rule['unite']} au plus "
                                    "(article R511-13 du code de l'éducation)."))
    elif data.get("duree") is not None:
        errors.append(("duree", f"{rule['libelle']} : pas de durée."))
    if data.get("sursis") and code not in SURSIS_ALLOWED:
        errors.append(("sursis", "seules les sanctions 3° à 6° de l'article R511-13 peuvent être assorties "
                                 "d'un sursis."))
    return errors


def import_evenements(db: Session, uai: str, rows, eleves: dict[str, dict], now: datetime) -> tuple[dict, list]:
    """`eleves`: the establishment's students, SIECLE id -> {"eleve_id", "classe"}
    (from accounts). Returns (report, the events created or changed)."""
    now = now.astimezone(timezone.utc)
    messages = Messages()
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lignes": ["Le fichier ne contient aucune ligne à importer."]})
    motifs = set(db.scalars(select(Motif.code).where(Motif.etablissement_uai == uai)))
    punitions = set(db.scalars(select(TypePunition.code).where(TypePunition.etablissement_uai == uai)))
    cancels, entries, seen = [], [], {}
    for index, raw in enumerate(rows):
        row = clean_row(raw)
        line = _line(row, index)
        ref = str(row.get("ref", ""))
        if ref and ref in seen:
            messages.add(line, f"l'évènement {ref} figure déjà à la ligne {seen[ref]}.", "ref")
        seen.setdefault(ref, line)
        if row.get("annulation") is not None:
            if str(row["annulation"]).strip().lower() != "erreur de saisie":
                messages.add(line, "seule la valeur « erreur de saisie » est admise.", "annulation")
            elif not ref:
                messages.add(line, "Ce champ est obligatoire.", "ref")
            else:
                cancels.append((line, ref))
            continue
        try:
            data = EvenementRowSchema().load(row)
        except SchemaError as exc:
            messages.add_schema_errors(line, exc.messages)
            continue
        ok = True
        for column, message in check_kind(data, motifs, punitions):
            messages.add(line, message, column)
            ok = False
        if data["eleve"] not in eleves:
            messages.add(line, f"élève inconnu dans cet établissement (identifiant {data['eleve']}).", "eleve")
            ok = False
        if data["saisie_le"] is not None and data["saisie_le"] > now:
            messages.add(line, "la date de saisie est dans le futur.", "saisie_le")
            ok = False
        if ok:
            entries.append((line, data))
    refs = [ref for _line_no, ref in cancels] + [data["ref"] for _line_no, data in entries]
    existing = {e.ref: e for e in db.scalars(
        select(Evenement).where(Evenement.etablissement_uai == uai, Evenement.ref.in_(refs)))}
    for line, ref in cancels:
        if ref not in existing:
            messages.add(line, f"évènement inconnu ({ref}) : rien à annuler.", "ref")
    messages.raise_if_any()
    return _write(db, uai, entries, cancels, existing, eleves, now)


def _snapshot(event: Evenement) -> dict:
    out = {}
    for key in VERSIONED:
        value = getattr(event, key)
        out[key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return out


def _keep_version(db: Session, event: Evenement, now: datetime, raison: str) -> None:
    db.add(EvenementVersion(evenement_id=event.id, version=event.version, valeurs=_snapshot(event),
                            remplacee_le=now, raison=raison))
    event.version += 1


def _values(data: dict, eleve_id: int) -> dict:
    return {
        "eleve_id": eleve_id, "nature": data["nature"], "debut": data["debut"], "fin": data["fin"],
        "annee_scolaire": school_year(data["debut"].astimezone(PARIS).date()), "minutes": data["minutes"],
        "motif_code": data["motif"], "type_code": data["type"], "duree": data["duree"], "sursis": data["sursis"],
        "detail": data["detail"], "justifiee": bool(data["justifiee"]),
        "publiable_en_ligne": bool(data["publiable_en_ligne"]), "famille_avisee": bool(data["famille_avisee"]),
    }


def _flag(event) -> bool:
    name = flag_name(event.nature)
    return bool(name and getattr(event, name))


def _write(db, uai, entries, cancels, existing, eleves, now) -> tuple[dict, list]:
    report = {"crees": 0, "corriges": 0, "inchanges": 0, "annules": 0}
    touched = []
    for _line_no, ref in cancels:
        event = existing[ref]
        if not event.annule:
            _keep_version(db, event, now, "erreur de saisie")
            event.annule = True
            report["annules"] += 1
            touched.append(event)
    for _line_no, data in entries:
        student = eleves[data["eleve"]]
        values = _values(data, student["eleve_id"])
        event = existing.get(data["ref"])
        if event is None:
            event = Evenement(etablissement_uai=uai, ref=data["ref"], saisie_le=data["saisie_le"] or now,
                              annule=False, version=1, **values)
            event.drapeau_le = event.saisie_le if _flag(event) else None
            db.add(event)
            report["crees"] += 1
            touched.append(event)
            continue
        was_flagged = _flag(event) and not event.annule
        changed = event.annule or any(getattr(event, key) != value for key, value in values.items()) or (
            data["saisie_le"] is not None and data["saisie_le"] != event.saisie_le)
        if not changed:
            report["inchanges"] += 1
            continue
        _keep_version(db, event, now, "correction")
        for key, value in values.items():
            setattr(event, key, value)
        event.annule = False
        if data["saisie_le"] is not None:
            event.saisie_le = data["saisie_le"]
        if not _flag(event):
            event.drapeau_le = None
        elif not was_flagged:
            # Ticked now: families see it from now on (or from the day after
            # its entry, whichever is later).
            event.drapeau_le = now
        report["corriges"] += 1
        touched.append(event)
    classes = {row.eleve_id: row for row in db.scalars(select(EleveClasse).where(
        EleveClasse.eleve_id.in_([s["eleve_id"] for s in eleves.values()])))}
    for student in eleves.values():
        row = classes.get(student["eleve_id"])
        if row is None:
            db.add(EleveClasse(eleve_id=student["eleve_id"], etablissement_uai=uai, classe=student["classe"] or ""))
        elif (row.etablissement_uai, row.classe) != (uai, student["classe"] or ""):
            row.etablissement_uai, row.classe = uai, student["classe"] or ""
    db.flush()
    return report, touched
