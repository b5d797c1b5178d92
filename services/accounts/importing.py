"""The back-office entry point for SIECLE data (ARCHITECTURE rule 7): upsert an
establishment's students, guardians and links, create the accounts they need,
and say what was created, updated and skipped, and why."""
from collections import Counter
from datetime import date, datetime

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.identifiers import identifier_stem, person_key
from services.accounts.models import Account, Eleve, Etablissement, Lien, Responsable
from services.accounts.schemas import EleveImportSchema, LienImportSchema, PersonneImportSchema

REPRESENTANT_LEGAL = 1


class IdentifierAllocator:
    """`p.martin`, then `p.martin1`, `p.martin2`... unique across the académie."""

    def __init__(self, db: Session):
        self.db = db
        self.taken: dict[str, set[str]] = {}

    def allocate(self, prenom: str, nom: str) -> str:
        stem = identifier_stem(prenom, nom)
        taken = self.taken.get(stem)
        if taken is None:
            rows = self.db.scalars(select(Account.identifiant).where(Account.identifiant.like(f"{stem}%")))
            taken = self.taken[stem] = set(rows)
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


def import_siecle(db: Session, data: dict, now: datetime, today: date) -> dict:
    created, updated = Counter(), Counter()
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
    etab = db.get(Etablissement, uai)
    if etab is None:
        etab = Etablissement(uai=uai, message_accueil="")
        db.add(etab)
        created["etablissements"] += 1
    else:
        updated["etablissements"] += 1
    etab.nom, etab.type, etab.commune = etab_data["nom"], etab_data["type"], etab_data["commune"]

    existing_eleves = {e.siecle_eleve_id: e for e in db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai))}
    active: dict[str, Eleve] = {}
    left: set[str] = set()
    for row in rows_eleves:
        eleve = existing_eleves.get(row["siecle_eleve_id"])
        if row["date_sortie"] and row["date_sortie"] <= today:
            if eleve is not None and eleve.active:
                eleve.active, eleve.date_sortie = False, row["date_sortie"]
                updated["eleves_sortis"] += 1
            skipped.append({"ref": eleve_ref(row),
                            "reason": f"sorti de l'établissement le {_fr(row['date_sortie'])}"})
            left.add(row["siecle_eleve_id"])
            continue
        if eleve is None:
            eleve = Eleve(etablissement_uai=uai, siecle_eleve_id=row["siecle_eleve_id"])
            db.add(eleve)
            created["eleves"] += 1
        else:
            updated["eleves"] += 1
        for key in ("ine", "nom", "prenom", "date_naissance", "sexe", "classe", "date_sortie"):
            setattr(eleve, key, row[key])
        eleve.active = True
        active[row["siecle_eleve_id"]] = eleve
    db.flush()

    student_accounts = set(db.scalars(select(Account.eleve_id).where(
        Account.eleve_id.in_([e.id for e in active.values()]))))
    moved = follow_moved_students(db, uai, [e for e in active.values() if e.id not in student_accounts], today)
    student_accounts |= set(moved)
    updated["comptes_eleves_suivis"] += len(moved)
    for eleve in active.values():
        if eleve.id not in student_accounts:
            db.add(Account(identifiant=allocator.allocate(eleve.prenom, eleve.nom), role="eleve",
                           eleve_id=eleve.id, etablissement_uai=uai, created_at=now))
            created["comptes_eleves"] += 1

    personnes = {p["siecle_personne_id"]: p for p in rows_personnes}
    legal_links: dict[str, list[dict]] = {}
    for lien in rows_liens:
        eleve_id, personne_id = lien["siecle_eleve_id"], lien["siecle_personne_id"]
        reason = (None if eleve_id in active and personne_id in personnes
                  else "élève sorti de l'établissement" if eleve_id in left
                  else "élève écarté (voir plus haut)" if eleve_id in refused_eleves
                  else "élève absent du fichier des élèves" if eleve_id not in active
                  else "personne écartée (voir plus haut)" if personne_id in refused_personnes
                  else "personne absente du fichier des responsables")
        if reason:
            skipped.append({"ref": lien_ref(lien), "reason": reason})
            continue
        legal_links.setdefault(lien["siecle_personne_id"], []).append(lien)

    existing_resp = {r.siecle_personne_id: r for r in db.scalars(
        select(Responsable).where(Responsable.etablissement_uai == uai))}
    for personne_id, personne in personnes.items():
        links = legal_links.get(personne_id, [])
        if not any(lien["niveau_responsabilite"] == REPRESENTANT_LEGAL for lien in links):
            if personne_id not in existing_resp:
                levels = {lien["niveau_responsabilite"] for lien in links}
                reason = ("personne à contacter seulement (niveau 3) : pas de compte" if levels == {3}
                          else "personne en charge de l'élève, pas représentant légal (niveau 2) : pas de compte"
                          if levels else "représentant légal d'aucun élève actif : pas de compte")
                skipped.append({"ref": personne_ref(personne), "reason": reason})
                continue
        resp = existing_resp.get(personne_id)
        if resp is None:
            resp = Responsable(etablissement_uai=uai, siecle_personne_id=personne_id)
            db.add(resp)
            existing_resp[personne_id] = resp
            created["responsables"] += 1
        else:
            updated["responsables"] += 1
        for key in ("civilite", "nom", "prenom", "email"):
            setattr(resp, key, personne[key])
    db.flush()

    existing_liens = {(lien.eleve_id, lien.responsable_id): lien for lien in db.scalars(
        select(Lien).join(Eleve).where(Eleve.etablissement_uai == uai))}
    for personne_id, links in legal_links.items():
        resp = existing_resp.get(personne_id)
        if resp is None:
            continue
        for row in links:
            eleve = active[row["siecle_eleve_id"]]
            lien = existing_liens.get((eleve.id, resp.id))
            if lien is None:
                lien = Lien(eleve_id=eleve.id, responsable_id=resp.id)
                db.add(lien)
                created["liens"] += 1
            lien.niveau_responsabilite, lien.code_parente = row["niveau_responsabilite"], row["code_parente"]
        # A guardian of a student who came from another establishment of the
        # académie keeps the account they had there.
        if resp.account_id is None:
            resp.account_id = previous_guardian_account(
                db, resp, [moved[active[r["siecle_eleve_id"]].id] for r in links
                           if r["niveau_responsabilite"] == REPRESENTANT_LEGAL
                           and active[r["siecle_eleve_id"]].id in moved])
            if resp.account_id is not None:
                updated["comptes_responsables_suivis"] += 1
        # One account per guardian and establishment: a guardian's children in
        # this establishment share it, since the school says they are one person.
        if resp.account_id is None and any(r["niveau_responsabilite"] == REPRESENTANT_LEGAL for r in links):
            account = Account(identifiant=allocator.allocate(resp.prenom, resp.nom), role="responsable",
                              etablissement_uai=uai, created_at=now)
            db.add(account)
            db.flush()
            resp.account_id = account.id
            created["comptes_responsables"] += 1
    db.flush()
    return {"created": dict(created), "updated": {k: v for k, v in updated.items() if v}, "skipped": skipped}


def follow_moved_students(db: Session, uai: str, newcomers: list[Eleve], today: date) -> dict[int, Eleve]:
    """Accounts persist across the académie's establishments (FAQ): a student
    new here whose INE another establishment knows keeps their account, which
    now points at this school's record; the old record stops counting as a
    child. Returns {new record's id: old record}."""
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
        moved[eleve.id] = old
    db.flush()
    return moved


def previous_guardian_account(db: Session, resp: Responsable, previous_records: list[Eleve]) -> int | None:
    """The account this guardian had at the establishment their child came
    from: a legal guardian of the child's old record with the same surname and
    first name (the rule of "regroupement", docs/security.md)."""
    if not previous_records:
        return None
    name = person_key(resp.nom, resp.prenom)
    for old_resp in db.scalars(
            select(Responsable).join(Lien).where(Lien.eleve_id.in_([e.id for e in previous_records]),
                                                 Lien.niveau_responsabilite == REPRESENTANT_LEGAL,
                                                 Responsable.account_id.is_not(None))):
        if person_key(old_resp.nom, old_resp.prenom) == name:
            return old_resp.account_id
    return None
