"""The school's export of accepted changes, to carry them into SIECLE (BEE):
one CSV line per changed SIECLE element, named as SIECLE names it
(docs/fiche.md gives the columns)."""
import csv
import io
import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import PARIS
from services.fiche import codes
from services.fiche.models import ACCEPTEE, Demande, Eleve, Responsable

COLUMNS = ("TYPE", "ELEVE_ID", "PERSONNE_ID", "NOM_DE_FAMILLE", "PRENOM", "RUBRIQUE", "ANCIENNE_VALEUR",
           "NOUVELLE_VALEUR", "DATE_DEMANDE", "DATE_DECISION")
SIMPLE = {"nom": "NOM_DE_FAMILLE", "prenom": "PRENOM", "prenom2": "PRENOM2", "prenom3": "PRENOM3",
          "sexe": "CODE_SEXE", "civilite": "LC_CIVILITE", "code_profession": "CODE_PROFESSION",
          "situation_emploi": "SITUATION_EMPLOI", "tel_personnel": "TEL_PERSONNEL", "tel_portable": "TEL_PORTABLE",
          "tel_professionnel": "TEL_PROFESSIONNEL", "email": "MEL", "communication_adresse": "COMMUNICATION_ADRESSE",
          "accepte_sms": "ACCEPTE_SMS"}
# What a spreadsheet would run as a formula (a phone in +33… form is data).
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?!\d+$))")


def elements(champ: str, value) -> dict:
    """{SIECLE element: text} of a field's value."""
    if champ in SIMPLE:
        if isinstance(value, bool):
            return {SIMPLE[champ]: "1" if value else "0"}
        return {SIMPLE[champ]: value or ""}
    if champ == "date_naissance":
        return {"DATE_NAISS": date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""}
    value = value or {}
    if champ == "naissance":
        return {"CODE_PAYS": value.get("pays") or "", "CODE_COMMUNE_INSEE_NAISS": value.get("commune_insee") or "",
                "VILLE_NAISS": value.get("ville") or ""}
    if value.get("identique_rl1"):
        return {"ADRESSE": "IDENTIQUE A CELLE DU RESPONSABLE LEGAL 1"}
    france = (value.get("pays") or codes.FRANCE) == codes.FRANCE
    out = {f"LIGNE{n}_ADRESSE": value.get(f"ligne{n}") or "" for n in range(1, 5)}
    out.update({"CODE_POSTAL": value.get("code_postal") or "",
                "LIBELLE_POSTAL": (value.get("commune") or "") if france else "",
                "CODE_COMMUNE_INSEE": value.get("code_commune_insee") or "",
                "COMMUNE_ETRANGERE": "" if france else (value.get("commune") or ""),
                "CODE_PAYS": value.get("pays") or ""})
    return out


def _cell(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def _local(instant: datetime) -> str:
    return instant.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def accepted_csv(db: Session, uai: str, depuis: datetime | None, jusqu_a: datetime | None) -> tuple[str, int]:
    """The CSV (UTF-8 with its BOM, `;`-separated, as a French spreadsheet
    opens it) and how many requests it holds."""
    query = (select(Demande).where(Demande.etablissement_uai == uai, Demande.etat == ACCEPTEE)
             .order_by(Demande.decidee_le, Demande.id))
    if depuis is not None:
        query = query.where(Demande.decidee_le >= depuis)
    if jusqu_a is not None:
        query = query.where(Demande.decidee_le < jusqu_a)
    rows = list(db.scalars(query))
    eleves = {e.id: e for e in db.scalars(select(Eleve).where(Eleve.id.in_({d.eleve_id for d in rows if d.eleve_id})))}
    personnes = {p.id: p for p in db.scalars(select(Responsable).where(
        Responsable.id.in_({d.responsable_id for d in rows if d.responsable_id})))}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for demande in rows:
        if demande.eleve_id:
            who = eleves[demande.eleve_id]
            ids = ("ELEVE", who.siecle_eleve_id, "")
        else:
            who = personnes[demande.responsable_id]
            ids = ("PERSONNE", "", who.siecle_personne_id)
        before, after = elements(demande.champ, demande.ancienne_valeur), elements(demande.champ,
                                                                                   demande.nouvelle_valeur)
        for element in dict.fromkeys([*after, *before]):
            old, new = before.get(element, ""), after.get(element, "")
            if old == new:
                continue
            writer.writerow([*ids, _cell(who.nom), _cell(who.prenom), element, _cell(old), _cell(new),
                             _local(demande.demandee_le), _local(demande.decidee_le)])
    return "\ufeff" + out.getvalue(), len(rows)
