"""The back-office entry point for SIECLE data (ARCHITECTURE rule 7): upsert an
establishment's students, guardians and links, create the accounts they need,
and say what was created, updated and skipped, and why."""
import ctypes
import ctypes.util
import gc
from collections import Counter
from datetime import date, datetime

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts import rentree
from services.accounts.identifiers import identifier_stem, person_key
from services.accounts.models import Account, Eleve, Etablissement, Lien, Responsable
from services.accounts.schemas import EleveImportSchema, LienImportSchema, PersonneImportSchema

REPRESENTANT_LEGAL = 1
# Guardians written per flush (their links and accounts with them); the
# session then lets them go, so that an import's memory does not grow with
# the size of the establishment (bench/rentree.py).
CHUNK = 500


class IdentifierAllocator:
    """`p.martin`, then `p.martin1`, `p.martin2`... unique across the académie."""

    def __init__(self, db: Session):
        self.db = db
        self.taken: dict[str, set[str]] = {}

    def allocate(self, prenom: str, nom: str) -> str:
        stem = identifier_stem(prenom, nom)
        taken = self.taken.get(stem)
        if taken is None:
            # The accounts this allocator handed out are in `taken` already:
            # no need to flush them first (a flush per new stem is most of an import's time).
            # A range on the unique index rather than LIKE 'stem%', which
            # neither SQLite (case-insensitive LIKE) nor PostgreSQL (locale
            # collation) answers from the index: a scan of every account per
            # stem. The range holds every identifier that starts with the
            # stem in any collation; the check below keeps only those.
            # (A stem ending in "z" would need a bound past the letters,
            # which a locale collation may ignore: LIKE then.)
            if "a" <= stem[-1] < "z":
                upper = stem[:-1] + chr(ord(stem[-1]) + 1)
                where = (Account.identifiant >= stem) & (Account.identifiant < upper)
            else:
                where = Account.identifiant.like(f"{stem}%")
            with self.db.no_autoflush:
                rows = self.db.scalars(select(Account.identifiant).where(where))
                taken = self.taken[stem] = {r for r in rows if r.startswith(stem)}
        n = 1
        while f"{stem}{n}" in taken:
            n += 1
        identifiant = f"{stem}{n}"
        taken.add(identifiant)
        return identifiant


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# The report names fields as the school knows them.
FIELD_LABELS = {
    "siecle_eleve_id": "identifiant ELEVE_ID", "siecle_personne_id": "identifiant PERSONNE_ID",
    "ine": "INE", "nom": "nom", "prenom": "prénom", "date_naissance": "date de naissance",
    "classe": "classe", "date_sortie": "date de sortie", "civilite": "civilité", "email": "courriel",
    "niveau_responsabilite": "niveau de responsabilité", "code_parente": "code de parenté",
}


def _short(value, limit: int = 40) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def eleve_ref(row: dict) -> str:
    name = " ".join(_short(row.get(k)) for k in ("prenom", "nom") if row.get(k))
    ident = _short(row.get("siecle_eleve_id"), 20) or "sans identifiant"
    return f"élève {ident} ({name})" if name else f"élève {ident}"


def personne_ref(row: dict) -> str:
    name = " ".join(_short(row.get(k)) for k in ("prenom", "nom") if row.get(k))
    ident = _short(row.get("siecle_personne_id"), 20) or "sans identifiant"
    return f"personne {ident} ({name})" if name else f"personne {ident}"


def lien_ref(row: dict) -> str:
    return (f"lien élève {_short(row.get('siecle_eleve_id'), 20) or '?'} – "
            f"personne {_short(row.get('siecle_personne_id'), 20) or '?'}")


def _problems(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{FIELD_LABELS.get(key, key)} : {_problems(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return " ".join(_problems(m) for m in messages)
    return str(messages)


def load_records(rows: list, schema: Schema, key, ref, skipped: list[dict]) -> tuple[list[dict], set]:
    """Each record checked on its own: a malformed one (a field too long, a
    date that is not one...) or a second one with the same key is skipped with
    its reason instead of refusing the whole import. Returns the valid records
    and the keys of the refused ones."""
    loaded, seen, refused = [], set(), set()
    for row in rows:
        if not isinstance(row, dict):
            skipped.append({"ref": "enregistrement illisible", "reason": "ce n'est pas un enregistrement"})
            continue
        try:
            record = schema.load(row)
        except SchemaError as exc:
            skipped.append({"ref": ref(row), "reason": f"refusé : {_problems(exc.messages)}"})
            if isinstance(key(row), str):
                refused.add(key(row))
            continue
        if key(record) in seen:
            skipped.append({"ref": ref(row), "reason": "en double dans le fichier (seul le premier est importé)"})
            continue
        seen.add(key(record))
        loaded.append(record)
    return loaded, refused


def _assign(record, row: dict, keys) -> bool:
    """Set `keys` from `row`; True when one of them changed."""
    changed = False
    for key in keys:
        if getattr(record, key) != row[key]:
            setattr(record, key, row[key])
            changed = True
    return changed


ELEVE_FIELDS = ("ine", "nom", "prenom", "date_naissance", "sexe", "classe", "date_sortie")
PERSONNE_FIELDS = ("civilite", "nom", "prenom", "email")


def import_siecle(db: Session, data: dict, now: datetime, today: date, confirm: bool = False) -> dict:
    """Upsert one establishment's students, guardians and links from its
    SIECLE file, which is the whole establishment as the school knows it now:
    a student it no longer holds left, a link it no longer holds ended
    (services/accounts/rentree.py). Counts only what really changed, so the
    same file imported twice changes nothing the second time. Raises
    rentree.DetachRefused, having changed nothing, when the file would detach
    most of the establishment's students and `confirm` is not given."""
    created, updated, unchanged = Counter(), Counter(), Counter()
    skipped: list[dict] = []
    allocator = IdentifierAllocator(db)
    rows_eleves, refused_eleves = load_records(
        data["eleves"], EleveImportSchema(), lambda r: r.get("siecle_eleve_id"), eleve_ref, skipped)
    rows_personnes, refused_personnes = load_records(
        data["personnes"], PersonneImportSchema(), lambda r: r.get("siecle_personne_id"), personne_ref, skipped)
    rows_liens, _ = load_records(
        data["liens"], LienImportSchema(), lambda r: (r.get("siecle_eleve_id"), r.get("siecle_personne_id")),
        lien_ref, skipped)

    etab_data = data["etablissement"]
    uai = etab_data["uai"]
    existing_eleves = {e.siecle_eleve_id: e for e in db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai))}
    # A record the file holds but could not give (refused above) still names
    # a student who is there: they are left as they are.
    in_file = {r["siecle_eleve_id"] for r in rows_eleves} | refused_eleves
    leaving_by_date = [existing_eleves[r["siecle_eleve_id"]] for r in rows_eleves
                       if r["date_sortie"] and r["date_sortie"] <= today
                       and r["siecle_eleve_id"] in existing_eleves and existing_eleves[r["siecle_eleve_id"]].active]
    absent = [e for sid, e in existing_eleves.items() if e.active and sid not in in_file]
    refusal = rentree.check_detach_guard(sum(e.active for e in existing_eleves.values()),
                                         leaving_by_date + absent, confirm)
    if refusal is not None:
        raise rentree.DetachRefused(refusal)

    etab = db.get(Etablissement, uai)
    if etab is None:
        etab = Etablissement(uai=uai, message_accueil="")
        db.add(etab)
        created["etablissements"] += 1
    if _assign(etab, etab_data, ("nom", "type", "commune")) and "etablissements" not in created:
        updated["etablissements"] += 1

    active: dict[str, Eleve] = {}
    left: set[str] = set()
    for n, row in enumerate(rows_eleves):
        if n and n % CHUNK == 0:
            db.flush()  # in chunks: one flush of every student at once is an import's peak
        eleve = existing_eleves.get(row["siecle_eleve_id"])
        if row["date_sortie"] and row["date_sortie"] <= today:
            if eleve is not None and eleve.active:
                rentree.student_left(db, eleve, row["date_sortie"],
                                     f"sorti de l'établissement le {_fr(row['date_sortie'])} (fichier SIECLE)", now)
                updated["eleves_sortis"] += 1
            skipped.append({"ref": eleve_ref(row),
                            "reason": f"sorti de l'établissement le {_fr(row['date_sortie'])}"})
            left.add(row["siecle_eleve_id"])
            continue
        if eleve is None:
            eleve = Eleve(etablissement_uai=uai, siecle_eleve_id=row["siecle_eleve_id"])
            db.add(eleve)
            created["eleves"] += 1
            _assign(eleve, row, ELEVE_FIELDS)
        elif not eleve.active:
            _assign(eleve, row, ELEVE_FIELDS)
            updated["eleves_revenus"] += 1
        elif _assign(eleve, row, ELEVE_FIELDS):
            updated["eleves"] += 1
        else:
            unchanged["eleves"] += 1
        eleve.active = True
        active[row["siecle_eleve_id"]] = eleve
    for eleve in absent:
        rentree.student_left(db, eleve, today,
                             f"absent du fichier SIECLE importé le {_fr(today)} : sorti de l'établissement", now)
        updated["eleves_sortis"] += 1
    db.flush()

    student_accounts = set(db.scalars(select(Account.eleve_id).where(
        Account.eleve_id.in_([e.id for e in active.values()]))))
    moved = follow_moved_students(db, uai, [e for e in active.values() if e.id not in student_accounts], today, now)
    student_accounts |= set(moved)
    updated["comptes_eleves_suivis"] += len(moved)
    for eleve in active.values():
        if eleve.id not in student_accounts:
            db.add(Account(identifiant=allocator.allocate(eleve.prenom, eleve.nom), role="eleve",
                           eleve_id=eleve.id, etablissement_uai=uai, created_at=now))
            created["comptes_eleves"] += 1
            if created["comptes_eleves"] % CHUNK == 0:
                db.flush()  # in chunks too: 1 500 accounts in one flush were 5 MB more at once
    db.flush()
    # The students are written: from here on only their ids are needed. Their
    # records (and the accounts just made) are let go, so that an
    # establishment's objects are not all in memory at once (issue 19): the
    # session holds what is written only weakly. (Not expunged: a caller
    # sharing the session may hold some of them.)
    active_ids_by_sid = {sid: e.id for sid, e in active.items()}
    moved_from = {new_id: old.id for new_id, old in moved.items()}
    del existing_eleves, leaving_by_date, absent, active, moved

    personnes = {p["siecle_personne_id"]: p for p in rows_personnes}
    legal_links: dict[str, list[dict]] = {}
    for lien in rows_liens:
        eleve_id, personne_id = lien["siecle_eleve_id"], lien["siecle_personne_id"]
        reason = (None if eleve_id in active_ids_by_sid and personne_id in personnes
                  else "élève sorti de l'établissement" if eleve_id in left
                  else "élève écarté (voir plus haut)" if eleve_id in refused_eleves
                  else "élève absent du fichier des élèves" if eleve_id not in active_ids_by_sid
                  else "personne écartée (voir plus haut)" if personne_id in refused_personnes
                  else "personne absente du fichier des responsables")
        if reason:
            skipped.append({"ref": lien_ref(lien), "reason": reason})
            continue
        legal_links.setdefault(lien["siecle_personne_id"], []).append(lien)

    # The establishment's guardians by SIECLE id, as ids: a record is loaded
    # a chunk at a time, only to be changed, and let go once written (issue 19:
    # holding an establishment's guardians at once was an import's peak).
    resp_ids: dict[str, int] = dict(db.execute(select(Responsable.siecle_personne_id, Responsable.id).where(
        Responsable.etablissement_uai == uai)).all())
    refused_resp_ids = {rid for pid, rid in resp_ids.items() if pid in refused_personnes}
    items = list(personnes.items())
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        known = _guardians(db, [resp_ids[pid] for pid, _ in chunk if pid in resp_ids])
        fresh = []
        for personne_id, personne in chunk:
            links = legal_links.get(personne_id, [])
            if not any(lien["niveau_responsabilite"] == REPRESENTANT_LEGAL for lien in links):
                if personne_id not in resp_ids:
                    levels = {lien["niveau_responsabilite"] for lien in links}
                    reason = ("personne à contacter seulement (niveau 3) : pas de compte" if levels == {3}
                              else "personne en charge de l'élève, pas représentant légal (niveau 2) : pas de compte"
                              if levels else "représentant légal d'aucun élève actif : pas de compte")
                    skipped.append({"ref": personne_ref(personne), "reason": reason})
                    continue
            resp = known.get(resp_ids.get(personne_id))
            if resp is None:
                resp = Responsable(etablissement_uai=uai, siecle_personne_id=personne_id)
                db.add(resp)
                fresh.append((personne_id, resp))
                created["responsables"] += 1
                _assign(resp, personne, PERSONNE_FIELDS)
            elif _assign(resp, personne, PERSONNE_FIELDS):
                updated["responsables"] += 1
            else:
                unchanged["responsables"] += 1
        db.flush()
        resp_ids.update((pid, resp.id) for pid, resp in fresh)
        del known, fresh

    moved_guardians = previous_guardians(db, list(moved_from.values()))
    # The establishment's links as plain rows: a Lien record is loaded only to
    # be changed.
    existing_liens = {(row.eleve_id, row.responsable_id): row for row in db.execute(
        select(Lien.id, Lien.eleve_id, Lien.responsable_id, Lien.ended_on, Lien.niveau_responsabilite,
               Lien.code_parente).join(Eleve).where(Eleve.etablissement_uai == uai))}
    in_file_liens = set()
    items = list(legal_links.items())
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        known = _guardians(db, [resp_ids[pid] for pid, _ in chunk if pid in resp_ids])
        pending = []
        for personne_id, links in chunk:
            resp = known.get(resp_ids.get(personne_id))
            if resp is None:
                continue
            pending.append(resp)
            for row in links:
                eleve_id = active_ids_by_sid[row["siecle_eleve_id"]]
                in_file_liens.add((eleve_id, resp.id))
                known_lien = existing_liens.get((eleve_id, resp.id))
                if known_lien is None:
                    db.add(Lien(eleve_id=eleve_id, responsable_id=resp.id,
                                niveau_responsabilite=row["niveau_responsabilite"], code_parente=row["code_parente"]))
                    created["liens"] += 1
                    continue
                if known_lien.ended_on is not None:
                    updated["liens_repris"] += 1
                elif (known_lien.niveau_responsabilite, known_lien.code_parente) != (row["niveau_responsabilite"],
                                                                                    row["code_parente"]):
                    updated["liens"] += 1
                else:
                    continue
                lien = db.get(Lien, known_lien.id)
                if lien.ended_on is not None:
                    rentree.reopen_link(lien)
                lien.niveau_responsabilite, lien.code_parente = row["niveau_responsabilite"], row["code_parente"]
            # A guardian of a student who came from another establishment of the
            # académie keeps the account they had there.
            if resp.account_id is None and resp.account is None:
                resp.account_id = previous_guardian_account(
                    resp, [moved_from[active_ids_by_sid[r["siecle_eleve_id"]]] for r in links
                           if r["niveau_responsabilite"] == REPRESENTANT_LEGAL
                           and active_ids_by_sid[r["siecle_eleve_id"]] in moved_from], moved_guardians)
                if resp.account_id is not None:
                    updated["comptes_responsables_suivis"] += 1
            # One account per guardian and establishment: a guardian's children in
            # this establishment share it, since the school says they are one person.
            # (Inserted with the next flush, all at once.)
            if (resp.account_id is None and resp.account is None
                    and any(r["niveau_responsabilite"] == REPRESENTANT_LEGAL for r in links)):
                resp.account = Account(identifiant=allocator.allocate(resp.prenom, resp.nom), role="responsable",
                                       etablissement_uai=uai, created_at=now)
                created["comptes_responsables"] += 1
        _flush_and_release(db, pending)
        del known

    # The links the file no longer holds, for students who are still here, end
    # (a person the file holds but could not give keeps theirs).
    active_ids = set(active_ids_by_sid.values())
    for key, known in existing_liens.items():
        if (known.ended_on is None and known.eleve_id in active_ids and key not in in_file_liens
                and known.responsable_id not in refused_resp_ids):
            rentree.end_link(db, db.get(Lien, known.id), rentree.RETIRE, today,
                             f"lien absent du fichier SIECLE importé le {_fr(today)}", now)
            updated["liens_termines"] += 1
    db.flush()
    return {"created": dict(created), "updated": {k: v for k, v in updated.items() if v},
            "unchanged": dict(unchanged), "skipped": skipped}


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


LIBC = _libc()


# A full collection walks every object of the process, its hub stopped
# meanwhile: about 80 ms in a process with the accounts service's modules
# loaded (107,000 objects, 2026-12-03), 0.2 s in a test process. An
# establishment of fewer students leaves too little to be worth it (a school
# of 300 students' import keeps about 2 MB, docs/performance.md): its cycles
# are left to the generational collector.
COLLECT_FROM_STUDENTS = 100


def release_memory(students: int) -> None:
    """After an import of `students` students: collect the cycles the ORM's
    records leave (without it they wait for a full collection, several
    imports later, and the process grows from one establishment to the
    next), then hand the freed heap back to the system (glibc's malloc_trim;
    nothing elsewhere). Measured by bench/rentree.py (issue 19). Nothing
    for a small establishment (COLLECT_FROM_STUDENTS)."""
    if students < COLLECT_FROM_STUDENTS:
        return
    gc.collect()
    if LIBC is not None:
        LIBC.malloc_trim(0)


def _guardians(db: Session, ids: list[int]) -> dict[int, Responsable]:
    """These guardians' records, by id, in one query."""
    return {r.id: r for r in db.scalars(select(Responsable).where(Responsable.id.in_(ids)))} if ids else {}


def _flush_and_release(db: Session, guardians: list[Responsable]) -> None:
    """Write a chunk of guardians with their links and accounts, then let them
    go: an establishment of 1 500 students is 3 000 guardians, 3 000 links and
    4 500 accounts, too many to hold at once (issue 19). The session holds
    what is written only weakly; the guardian ↔ account reference (a cycle
    only the garbage collector would break) is expired, to be loaded again if
    asked for."""
    db.flush()
    for resp in guardians:
        if "account" in resp.__dict__:
            db.expire(resp, ["account"])
    guardians.clear()


def follow_moved_students(db: Session, uai: str, newcomers: list[Eleve], today: date,
                          now: datetime) -> dict[int, Eleve]:
    """Accounts persist across the académie's establishments (FAQ): a student
    new here whose INE another establishment knows keeps their account, which
    now points at this school's record; the old record stops counting as a
    child and its links end as a move (rentree.student_moved). Returns {new record's id: old record}."""
    by_ine = {e.ine: e for e in newcomers if e.ine}
    if not by_ine:
        return {}
    before = {}
    for old in db.scalars(select(Eleve).where(Eleve.ine.in_(list(by_ine)), Eleve.etablissement_uai != uai)
                          .order_by(Eleve.id)):
        before[old.ine] = old  # the most recent record wins
    accounts = {a.eleve_id: a for a in db.scalars(
        select(Account).where(Account.eleve_id.in_([e.id for e in before.values()])))}
    moved = {}
    for ine, eleve in by_ine.items():
        old = before.get(ine)
        account = accounts.get(old.id) if old is not None else None
        if account is None:
            continue
        account.eleve_id, account.etablissement_uai = eleve.id, uai
        old.active = False
        old.date_sortie = old.date_sortie or today
        rentree.student_moved(db, old, uai, today, now)
        moved[eleve.id] = old
    db.flush()
    return moved


def previous_guardians(db: Session, previous_records: list[int]) -> dict[int, list[tuple[tuple, int]]]:
    """{old record's id: [(person key, account id)]} of the legal guardians
    with an account of the records moved students come from, in one query."""
    out: dict[int, list[tuple[tuple, int]]] = {}
    if not previous_records:
        return out
    rows = db.execute(
        select(Lien.eleve_id, Responsable.nom, Responsable.prenom, Responsable.account_id).join(Responsable)
        .where(Lien.eleve_id.in_(previous_records), Lien.niveau_responsabilite == REPRESENTANT_LEGAL,
               Responsable.account_id.is_not(None)).order_by(Responsable.id))
    for eleve_id, nom, prenom, account_id in rows:
        out.setdefault(eleve_id, []).append((person_key(nom, prenom), account_id))
    return out


def previous_guardian_account(resp: Responsable, previous_records: list[int],
                              guardians: dict[int, list[tuple[tuple, int]]]) -> int | None:
    """The account this guardian had at the establishment their child came
    from: a legal guardian of the child's old record with the same surname and
    first name (the rule of "regroupement", docs/security.md)."""
    name = person_key(resp.nom, resp.prenom)
    for record in previous_records:
        for key, account_id in guardians.get(record, ()):
            if key == name:
                return account_id
    return None
