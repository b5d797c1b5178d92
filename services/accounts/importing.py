"""The back-office entry point for SIECLE data (ARCHITECTURE rule 7): upsert an
establishment's students, guardians and links, create the accounts they need,
and say what was created, updated and skipped, and why."""
from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.identifiers import identifier_stem
from services.accounts.models import Account, Eleve, Etablissement, Lien, Responsable

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


def import_siecle(db: Session, data: dict, now: datetime, today: date) -> dict:
    created, updated = Counter(), Counter()
    skipped: list[dict] = []
    allocator = IdentifierAllocator(db)

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
    for row in data["eleves"]:
        eleve = existing_eleves.get(row["siecle_eleve_id"])
        if row["date_sortie"] and row["date_sortie"] <= today:
            if eleve is not None and eleve.active:
                eleve.active, eleve.date_sortie = False, row["date_sortie"]
                updated["eleves_sortis"] += 1
            skipped.append({"ref": f"élève {row['siecle_eleve_id']} ({row['prenom']} {row['nom']})",
                            "reason": f"sorti de l'établissement le {_fr(row['date_sortie'])}"})
            continue
        if eleve is None:
            eleve = Eleve(etablissement_uai=uai, siecle_eleve_id=row["siecle_eleve_id"])
            db.add(eleve)
            created["eleves"] += 1
        else:
            updated["eleves"] += 1
        for key in ("ine", "nom", "prenom", "date_naissance", "classe", "date_sortie"):
            setattr(eleve, key, row[key])
        eleve.active = True
        active[row["siecle_eleve_id"]] = eleve
    db.flush()

    student_accounts = set(db.scalars(select(Account.eleve_id).where(
        Account.eleve_id.in_([e.id for e in active.values()]))))
    for eleve in active.values():
        if eleve.id not in student_accounts:
            db.add(Account(identifiant=allocator.allocate(eleve.prenom, eleve.nom), role="eleve",
                           eleve_id=eleve.id, etablissement_uai=uai, created_at=now))
            created["comptes_eleves"] += 1

    personnes = {p["siecle_personne_id"]: p for p in data["personnes"]}
    legal_links: dict[str, list[dict]] = {}
    for lien in data["liens"]:
        ref = f"lien élève {lien['siecle_eleve_id']} – personne {lien['siecle_personne_id']}"
        if lien["siecle_eleve_id"] not in active:
            skipped.append({"ref": ref, "reason": "élève absent du fichier des élèves ou sorti"})
            continue
        if lien["siecle_personne_id"] not in personnes:
            skipped.append({"ref": ref, "reason": "personne absente du fichier des responsables"})
            continue
        legal_links.setdefault(lien["siecle_personne_id"], []).append(lien)

    existing_resp = {r.siecle_personne_id: r for r in db.scalars(
        select(Responsable).where(Responsable.etablissement_uai == uai))}
    for personne_id, personne in personnes.items():
        links = legal_links.get(personne_id, [])
        if not any(lien["niveau_responsabilite"] == REPRESENTANT_LEGAL for lien in links):
            if personne_id not in existing_resp:
                skipped.append({"ref": f"personne {personne_id} ({personne['prenom']} {personne['nom']})",
                                "reason": "représentant légal d'aucun élève actif : pas de compte"})
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
    return {"created": dict(created), "updated": dict(updated), "skipped": skipped}
