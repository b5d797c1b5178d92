"""The fiche's copy of an establishment's SIECLE record, refreshed from its
exports (`import_siecle` RPC; the files are read by services.fiche.siecle).

SIECLE stays the reference: an import overwrites the record with what the
files say (accepted changes come back that way once the school carried them
into BEE); pending requests are kept as they are. Students absent from the
files or who have left are closed (their fiche is no longer shown); links
absent from the files are removed.
"""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.fiche.models import Eleve, Etablissement, Lien, Responsable

LIMITS = {"siecle_eleve_id": 20, "siecle_personne_id": 20, "ine": 11, "nom": 100, "prenom": 100, "prenom2": 100,
          "prenom3": 100, "sexe": 1, "naissance_pays": 3, "naissance_commune_insee": 5, "naissance_ville": 32,
          "code_regime": 4, "tel_personnel": 20, "tel_portable": 20, "tel_professionnel": 20, "email": 254,
          "civilite": 5, "code_profession": 2, "code_parente": 2}
ADRESSE_LIMITS = {"ligne1": 38, "ligne2": 38, "ligne3": 38, "ligne4": 38, "code_postal": 5, "commune": 32,
                  "code_commune_insee": 5, "pays": 3}
ELEVE_FIELDS = ("ine", "nom", "prenom", "prenom2", "prenom3", "sexe", "naissance_pays", "naissance_commune_insee",
                "naissance_ville", "code_regime", "tel_personnel", "tel_portable", "tel_professionnel", "email")
PERSONNE_FIELDS = ("civilite", "nom", "prenom", "code_profession", "tel_personnel", "tel_portable",
                   "tel_professionnel", "email")
REPRESENTANT_LEGAL = 1


def _problem(row: dict, required: tuple) -> str | None:
    for name in required:
        if not row.get(name):
            return f"{name} absent"
    for name, limit in LIMITS.items():
        value = row.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return f"{name} trop long ou invalide ({limit} caractères au maximum)"
    adresse = row.get("adresse")
    if adresse is not None:
        if not isinstance(adresse, dict):
            return "adresse invalide"
        for name, limit in ADRESSE_LIMITS.items():
            value = adresse.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                return f"adresse : {name} trop long ou invalide ({limit} caractères au maximum)"
    return None


def _set_adresse(record, adresse: dict | None) -> None:
    adresse = adresse or {}
    pays = adresse.get("pays") or ("100" if adresse.get("code_postal") else None)
    for n in range(1, 5):
        setattr(record, f"adresse_ligne{n}", adresse.get(f"ligne{n}"))
    record.code_pays = pays
    france = pays in (None, "100")
    record.code_postal = adresse.get("code_postal") if france else None
    record.libelle_postal = adresse.get("commune") if france else None
    record.commune_etrangere = None if france else adresse.get("commune")
    record.code_commune_insee = adresse.get("code_commune_insee") if france else None


def import_siecle(db: Session, payload: dict, today: date) -> dict:
    etab = payload["etablissement"]
    uai = etab["uai"]
    row = db.get(Etablissement, uai)
    if row is None:
        db.add(Etablissement(uai=uai, nom=etab["nom"]))
    else:
        row.nom = etab["nom"]
    report = {"created": {"eleves": 0, "responsables": 0, "liens": 0},
              "updated": {"eleves": 0, "responsables": 0, "eleves_sortis": 0}, "skipped": []}

    eleves = {e.siecle_eleve_id: e for e in db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai))}
    seen, adresse_ids = set(), {}
    for data in payload.get("eleves", []):
        problem = _problem(data, ("siecle_eleve_id", "nom", "prenom", "date_naissance"))
        try:
            birth = date.fromisoformat(data["date_naissance"]) if not problem else None
            sortie = date.fromisoformat(data["date_sortie"]) if data.get("date_sortie") else None
        except (TypeError, ValueError):
            problem = "date illisible"
        if problem:
            report["skipped"].append({"ref": f"élève {data.get('siecle_eleve_id') or '?'}", "reason": problem})
            continue
        eleve = eleves.get(data["siecle_eleve_id"])
        if eleve is None:
            eleve = Eleve(etablissement_uai=uai, siecle_eleve_id=data["siecle_eleve_id"])
            db.add(eleve)
            eleves[eleve.siecle_eleve_id] = eleve
            report["created"]["eleves"] += 1
        else:
            report["updated"]["eleves"] += 1
        for name in ELEVE_FIELDS:
            setattr(eleve, name, data.get(name))
        eleve.date_naissance = birth
        _set_adresse(eleve, data.get("adresse"))
        eleve.active = sortie is None or sortie > today
        if not eleve.active:
            report["updated"]["eleves_sortis"] += 1
        adresse_ids[eleve.siecle_eleve_id] = (data.get("adresse_id"), data.get("adresse") is not None)
        seen.add(eleve.siecle_eleve_id)
    for siecle_id, eleve in eleves.items():
        if siecle_id not in seen and eleve.active:
            eleve.active = False
            report["updated"]["eleves_sortis"] += 1

    personnes = {p.siecle_personne_id: p for p in
                 db.scalars(select(Responsable).where(Responsable.etablissement_uai == uai))}
    personne_adresse = {}
    for data in payload.get("personnes", []):
        problem = _problem(data, ("siecle_personne_id", "nom", "prenom"))
        if problem:
            report["skipped"].append({"ref": f"personne {data.get('siecle_personne_id') or '?'}", "reason": problem})
            continue
        person = personnes.get(data["siecle_personne_id"])
        if person is None:
            person = Responsable(etablissement_uai=uai, siecle_personne_id=data["siecle_personne_id"])
            db.add(person)
            personnes[person.siecle_personne_id] = person
            report["created"]["responsables"] += 1
        else:
            report["updated"]["responsables"] += 1
        for name in PERSONNE_FIELDS:
            setattr(person, name, data.get(name))
        person.communication_adresse = bool(data.get("communication_adresse"))
        person.accepte_sms = bool(data.get("accepte_sms"))
        _set_adresse(person, data.get("adresse"))
        personne_adresse[person.siecle_personne_id] = data.get("adresse_id")
    db.flush()

    existing = {(l.eleve_id, l.responsable_id): l for l in db.scalars(
        select(Lien).join(Eleve).where(Eleve.etablissement_uai == uai))}
    kept, legal = set(), {}
    for data in payload.get("liens", []):
        eleve, person = eleves.get(data.get("siecle_eleve_id")), personnes.get(data.get("siecle_personne_id"))
        if eleve is None or person is None:
            report["skipped"].append({"ref": f"lien élève {data.get('siecle_eleve_id')} – personne "
                                             f"{data.get('siecle_personne_id')}",
                                      "reason": "élève ou personne absent des fichiers"})
            continue
        lien = existing.get((eleve.id, person.id))
        if lien is None:
            lien = Lien(eleve_id=eleve.id, responsable_id=person.id)
            db.add(lien)
            existing[(eleve.id, person.id)] = lien
            report["created"]["liens"] += 1
        lien.niveau_responsabilite = int(data.get("niveau_responsabilite") or 0)
        lien.code_parente = data.get("code_parente")
        lien.rang = None
        kept.add((eleve.id, person.id))
        if lien.niveau_responsabilite == REPRESENTANT_LEGAL:
            legal.setdefault(eleve.siecle_eleve_id, []).append((data, lien, person))
    for key, lien in existing.items():
        if key not in kept:
            db.delete(lien)
    for siecle_id, links in legal.items():
        # SIECLE no longer says who is n°1: as GEPI, the one paying the school
        # fees, else the first by relationship code.
        links.sort(key=lambda t: (not t[0].get("paie_frais"), t[1].code_parente or "99", t[2].siecle_personne_id))
        for rang, (_data, lien, _person) in enumerate(links[:2], start=1):
            lien.rang = rang
    for siecle_id, (adresse_id, has_own) in adresse_ids.items():
        links = legal.get(siecle_id)
        rl1_adresse = personne_adresse.get(links[0][2].siecle_personne_id) if links else None
        # A student listed without an address of their own lives at RL1's.
        eleves[siecle_id].adresse_identique_rl1 = bool(links) and (
            not has_own or (adresse_id is not None and adresse_id == rl1_adresse))
    return report
