"""The data of the families' vie scolaire page and of the school's
administration pages. A family's page runs a fixed number of SQL statements
whatever the number of events (the child's events in one query, their
justifications in one more); the publication rule filters them in Python
(`publication.publication_instant`), so it is written once."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import PARIS, school_year
from services.vie_scolaire.counting import ALERT_THRESHOLD, DEFAULT_BOUNDARY, half_days
from services.vie_scolaire.documents import MAX_BYTES
from services.vie_scolaire.models import (ABSENCE, EN_ATTENTE, MESURE, PUNITION, REFUSEE, RETARD, SANCTION,
                                          SANCTIONS, EleveClasse, EtablissementSettings, Evenement, Justification,
                                          Motif, Periode, TypePunition)
from services.vie_scolaire.publication import SHOWN, publication_instant

KIND_ORDER = (ABSENCE, RETARD, PUNITION, SANCTION, MESURE)


def boundary(db: Session, uai: str) -> time:
    settings = db.get(EtablissementSettings, uai)
    return settings.heure_demi_journee if settings else DEFAULT_BOUNDARY


def periods_for(db: Session, uai: str, eleve_id: int, year: int) -> list[dict]:
    """The periods of the student's class this school year: the class's own
    calendar, else the establishment's default one, else the whole year."""
    row = db.get(EleveClasse, eleve_id)
    classe = row.classe if row is not None and row.etablissement_uai == uai else ""
    rows = list(db.scalars(select(Periode).where(
        Periode.etablissement_uai == uai, Periode.annee_scolaire == year, Periode.classe.in_({classe, ""}))
        .order_by(Periode.numero)))
    own = [p for p in rows if p.classe == classe] or [p for p in rows if p.classe == ""]
    if not own:
        return [{"numero": 1, "libelle": "Année scolaire", "debut": date(year, 9, 1), "fin": date(year + 1, 8, 31)}]
    return [{"numero": p.numero, "libelle": p.libelle, "debut": p.debut, "fin": p.fin} for p in own]


def period_index(periods: list[dict], day: date) -> int:
    """The period a day belongs to; a day between two periods (holidays)
    belongs to the one before, a day before the first to the first."""
    index = 0
    for i, period in enumerate(periods):
        if period["debut"] <= day:
            index = i
    return index


def justification_state(justifiee: bool, latest: tuple | None) -> dict:
    """An absence's state for its family; `latest`: (etat, raison_refus) of
    its latest online justification, if any."""
    if justifiee:
        return {"etat": "justifiee", "libelle": "Justifiée"}
    if latest is not None and latest[0] == EN_ATTENTE:
        return {"etat": "en_attente", "libelle": "Justification en attente"}
    if latest is not None and latest[0] == REFUSEE:
        return {"etat": "refusee", "libelle": "Justification refusée", "raison": latest[1]}
    return {"etat": "non_justifiee", "libelle": "Non justifiée"}


def may_justify(child: dict) -> bool:
    """A guardian, or an adult student; never a minor student (issue 15)."""
    return child["viewer_role"] == "responsable" or bool(child["eleve_majeur"])


def latest_justifications(db: Session, event_ids: list[int]) -> dict[int, tuple]:
    """{evenement_id: (etat, raison_refus)} of each event's latest justification."""
    latest: dict[int, tuple] = {}
    if event_ids:
        for evenement_id, etat, raison in db.connection().execute(
                select(Justification.evenement_id, Justification.etat, Justification.raison_refus)
                .where(Justification.evenement_id.in_(event_ids)).order_by(Justification.id)):
            latest[evenement_id] = (etat, raison)
    return latest


def _codes(db: Session, model, uai: str) -> dict[str, tuple]:
    """{code: (libelle, parents or None)} of the school's motifs or punishments."""
    parents = model.parents if model is Motif else None
    return {code: (libelle, flag) for code, libelle, flag in db.connection().execute(
        select(model.code, model.libelle, parents if parents is not None else model.id)
        .where(model.etablissement_uai == uai))}


def _iso(instant: datetime) -> str:
    return instant.astimezone(PARIS).isoformat()


EVENT_COLUMNS = (Evenement.id, Evenement.nature, Evenement.debut, Evenement.fin, Evenement.minutes,
                 Evenement.motif_code, Evenement.type_code, Evenement.duree, Evenement.sursis, Evenement.detail,
                 Evenement.justifiee, Evenement.publiable_en_ligne, Evenement.famille_avisee, Evenement.drapeau_le,
                 Evenement.saisie_le)


def family_page(db: Session, child: dict, now: datetime, since: datetime | None,
                periode: int | str | None = None) -> dict:
    """What the family page shows, JSON-ready (instants as ISO strings in
    French time, dates as aaaa-mm-jj). `periode`: the number of the one period
    whose lines are wanted, or "courante"; None: every period's. The totals
    are always every period's."""
    return family_page_until(db, child, now, since, periode)[0]


def family_page_until(db: Session, child: dict, now: datetime, since: datetime | None,
                      periode: int | str | None = None) -> tuple[dict, datetime | None]:
    """`family_page`, and the next instant one of the child's events is
    published (None: none waits)."""
    uai, today = child["etablissement_uai"], now.astimezone(PARIS).date()
    year = school_year(today)
    split = boundary(db, uai)
    periods = periods_for(db, uai, child["eleve_id"], year)
    for period in periods:
        period.update(courante=False, evenements={kind: [] for kind in KIND_ORDER},
                      totaux={"demi_journees": 0, "demi_journees_non_justifiees": 0, "retards": 0,
                              "retards_non_justifies": 0})
    current = period_index(periods, today)
    periods[current]["courante"] = True
    shown = None
    if periode == "courante":
        shown = current
    elif periode is not None:
        shown = next((i for i, p in enumerate(periods) if p["numero"] == periode), current)
    events, next_at = [], None
    for row in db.connection().execute(select(*EVENT_COLUMNS).where(
            Evenement.eleve_id == child["eleve_id"], Evenement.etablissement_uai == uai,
            Evenement.annee_scolaire == year, Evenement.annule.is_(False), Evenement.nature.in_(SHOWN))):
        instant = publication_instant(row.nature, row.saisie_le, row.publiable_en_ligne, row.famille_avisee,
                                      row.drapeau_le, False)
        if instant is not None and instant <= now:
            events.append((row, instant))
        elif instant is not None:
            next_at = instant if next_at is None else min(next_at, instant)
    events.sort(key=lambda item: (item[0].debut, item[0].id), reverse=True)
    latest = latest_justifications(db, [e.id for e, _instant in events if e.nature == ABSENCE])
    motifs = _codes(db, Motif, uai)
    punitions = _codes(db, TypePunition, uai)
    can_justify = may_justify(child)
    for event, instant in events:
        start = event.debut.astimezone(PARIS)
        index = period_index(periods, start.date())
        period = periods[index]
        # Every period's totals; a long absence's half-days go to the period of each day.
        touched = half_days(event.debut, event.fin, split) if event.nature == ABSENCE else []
        for day, _moment in touched:
            totals = periods[period_index(periods, day)]["totaux"]
            totals["demi_journees"] += 1
            totals["demi_journees_non_justifiees"] += not event.justifiee
        if event.nature == RETARD:
            period["totaux"]["retards"] += 1
            period["totaux"]["retards_non_justifies"] += not event.justifiee
        if shown is not None and index != shown:
            continue
        line = {"id": event.id, "nature": event.nature, "debut": start.isoformat(),
                "nouveau": since is None or instant > since, "detail": event.detail}
        if event.nature in (ABSENCE, RETARD):
            line["motif"] = motifs[event.motif_code][0] if event.motif_code in motifs else None
            line["justification"] = justification_state(event.justifiee, latest.get(event.id))
        if event.nature == ABSENCE:
            line.update(fin=_iso(event.fin), demi_journees=len(touched),
                        peut_justifier=can_justify and line["justification"]["etat"] in ("non_justifiee", "refusee"))
        elif event.nature == RETARD:
            line["minutes"] = event.minutes
        elif event.nature == PUNITION:
            line["type"] = punitions[event.type_code][0] if event.type_code in punitions else event.type_code
        elif event.nature == SANCTION:
            rule = SANCTIONS[event.type_code]
            line.update(type=rule["libelle"], duree=event.duree, unite=rule.get("unite"), sursis=event.sursis)
        period["evenements"][event.nature].append(line)
    for period in periods:
        period["debut"], period["fin"] = period["debut"].isoformat(), period["fin"].isoformat()
    return {
        "annee_scolaire": year,
        "periodes": periods,
        "periode_affichee": periods[shown]["numero"] if shown is not None else None,
        "peut_justifier": can_justify,
        "document_max_octets": MAX_BYTES,
        "motifs_parents": [{"code": code, "libelle": libelle}
                           for code, (libelle, parents) in sorted(motifs.items(), key=lambda m: m[1][0]) if parents],
    }, next_at


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def alerts(db: Session, uai: str, year: int, month: int) -> list[dict]:
    """The students with ALERT_THRESHOLD unjustified half-days or more in the
    month (art. L131-8), every absence the school entered counting, published
    or not; most half-days first."""
    first, last = month_bounds(year, month)
    split = boundary(db, uai)
    start = datetime.combine(first, time(0), tzinfo=PARIS)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=PARIS)
    counts: dict[int, int] = {}
    for eleve_id, debut, fin in db.execute(select(Evenement.eleve_id, Evenement.debut, Evenement.fin).where(
            Evenement.etablissement_uai == uai, Evenement.nature == ABSENCE, Evenement.annule.is_(False),
            Evenement.justifiee.is_(False), Evenement.debut < end, Evenement.fin > start)):
        n = sum(1 for day, _moment in half_days(debut, fin, split) if first <= day <= last)
        counts[eleve_id] = counts.get(eleve_id, 0) + n
    out = [{"eleve_id": eleve_id, "demi_journees": n} for eleve_id, n in counts.items() if n >= ALERT_THRESHOLD]
    return sorted(out, key=lambda a: (-a["demi_journees"], a["eleve_id"]))


def pending(db: Session, uai: str) -> list[dict]:
    """The justifications waiting for the school's answer, oldest first."""
    motifs = {code: libelle for code, (libelle, _parents) in _codes(db, Motif, uai).items()}
    rows = db.execute(select(Justification, Evenement).join(Evenement, Justification.evenement_id == Evenement.id)
                      .where(Justification.etablissement_uai == uai, Justification.etat == EN_ATTENTE)
                      .order_by(Justification.deposee_le, Justification.id))
    return [{
        "id": j.id, "eleve_id": j.eleve_id, "eleve_prenom": j.auteur["eleve_prenom"],
        "eleve_nom": j.auteur["eleve_nom"], "auteur": f"{j.auteur['prenom']} {j.auteur['nom']}",
        "debut": _iso(e.debut), "fin": _iso(e.fin), "motif": motifs.get(j.motif_code, j.motif_code),
        "commentaire": j.commentaire, "document_nom": j.document_nom, "deposee_le": _iso(j.deposee_le),
    } for j, e in rows]

