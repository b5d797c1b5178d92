"""The demo académie, built through the platform's own entry points
(ARCHITECTURE rule 7): each establishment's SIECLE exports are generated as
XML files under var/demo/siecle/ and imported by `tools.import_siecle`, exactly
as a school's real files are; letters and staff accounts come from the
accounts service's RPC, and grades, when the notes service is deployed, from
`tools.demo_notes`.

Three establishments (2 collèges, 1 lycée), each with a few classes of
students and their guardians (generated from a fixed seed, so every run builds
the same académie), and the stories the README promises:

- Philippe MARTIN: Hugo and Léa at collège Jean Moulin (one account for both),
  Sarah at the lycée (another account: the two can be merged, "regroupement");
- Inès BERNARD, whose two parents each have their own account;
- Lucas LEFEBVRE, an adult student at the lycée;
- Odette MARTIN, Hugo's grandmother, a contact only (level 3): no account;
- Jérôme PETIT, who left collège Marie Curie: no account.

Birth dates follow the school year, so classes match ages whenever the demo is
built. `python -m tools.demo` writes the accounts' identifiers and provisional
passwords to var/demo-comptes.txt (the stories first), and each import's
report next to its files.
"""
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from common.clock import Clock, school_year
from common.config import amqp_uri, clock_file, var_dir
from common.deployment import deployed_services
from common.rpc_client import RpcClient
from services.accounts.identifiers import ascii_fold
from tools import (
    demo_bourses, demo_inscription, demo_liens, demo_lsl, demo_notes, demo_vie_scolaire, import_fiche, siecle_writer,
)
from tools.import_siecle import format_report, import_files


@dataclass
class Etab:
    uai: str
    nom: str
    type: str
    commune: str
    code_postal: str
    classes: list[str]
    size: int
    zipped: bool = False
    direction: tuple[str, str, str] = ("", "", "")  # prénom, nom, remark


ETABLISSEMENTS = [
    Etab("0599001A", "COLLÈGE JEAN MOULIN", "college", "WATTIGNIES", "59139", ["6A", "6B", "5A", "4A", "3A"], 22,
         zipped=True, direction=("Catherine", "DUPUIS", "principale")),
    Etab("0599002B", "COLLÈGE MARIE CURIE", "college", "SECLIN", "59113", ["6C", "5C", "4C", "3C"], 18,
         direction=("Marc", "LECLERC", "principal")),
    Etab("0599003C", "LYCÉE MARGUERITE DE FLANDRE", "lycee", "GONDECOURT", "59147",
         ["2NDE 1", "2NDE 3", "1RE 2", "TERM 2"], 24, direction=("Isabelle", "MOREAU", "proviseure")),
]
OPERATOR = ("Julien", "VASSEUR")

# Age at the start of the school year, by class level.
AGE = {"6": 11, "5": 12, "4": 13, "3": 14, "2NDE": 15, "1RE": 16, "TERM": 17}


def level(classe: str) -> str:
    return classe.split()[0] if " " in classe else classe[0]


@dataclass
class Eleve:
    uai: str
    eleve_id: str
    nom: str
    prenom: str
    sexe: int  # 1 M, 2 F
    date_naissance: date
    classe: str
    date_sortie: date | None = None
    groupes: list[str] = field(default_factory=list)

    @property
    def who(self) -> str:
        return f"{self.prenom} {self.nom}"


@dataclass
class Personne:
    uai: str
    personne_id: str
    civilite: str
    nom: str
    prenom: str
    liens: list[tuple[str, int, str]]  # (eleve_id, niveau, code_parente)
    adresse_id: str | None = None

    @property
    def who(self) -> str:
        return f"{self.prenom} {self.nom}"


# (uai, role, person, remark): the accounts worth trying first, in this order.
STORIES = [
    ("0599001A", "responsable", "Philippe MARTIN",
     "parent de Hugo et Léa au collège Jean Moulin (un compte) ; Sarah au lycée a un autre compte, à regrouper"),
    ("0599003C", "responsable", "Philippe MARTIN",
     "parent de Sarah au lycée ; Hugo et Léa sont sur son compte du collège Jean Moulin (à regrouper)"),
    ("0599001A", "eleve", "Hugo MARTIN", "frère de Léa et de Sarah"),
    ("0599001A", "eleve", "Léa MARTIN", "sœur de Hugo et de Sarah"),
    ("0599003C", "eleve", "Sarah MARTIN", "sœur de Hugo et Léa, au lycée"),
    ("0599002B", "responsable", "Nadia BERNARD", "mère d'Inès ; l'autre parent, Karim BERNARD, a son propre compte"),
    ("0599002B", "responsable", "Karim BERNARD", "père d'Inès ; l'autre parent, Nadia BERNARD, a son propre compte"),
    ("0599002B", "eleve", "Inès BERNARD", "ses deux parents ont chacun un compte"),
    ("0599003C", "eleve", "Lucas LEFEBVRE", "élève majeur du lycée"),
    ("0599003C", "responsable", "Sophie LEFEBVRE", "mère de Lucas, élève majeur"),
]


def story_cast(annee: int, today: date) -> tuple[list[Eleve], list[Personne]]:
    def born(age: int, month: int, day: int) -> date:
        return date(annee - age, month, day)

    eleves = [
        Eleve("0599001A", "1001", "MARTIN", "Hugo", 1, born(12, 4, 4), "5A", groupes=["5LV2ESP"]),
        Eleve("0599001A", "1002", "MARTIN", "Léa", 2, born(11, 1, 2), "6B"),
        Eleve("0599003C", "3001", "MARTIN", "Sarah", 2, born(15, 2, 21), "2NDE 3"),
        # A year behind: 18 before the school year starts, so adult all year.
        Eleve("0599003C", "3002", "LEFEBVRE", "Lucas", 1, born(18, 3, 12), "TERM 2"),
        Eleve("0599002B", "2001", "BERNARD", "Inès", 2, born(13, 9, 15), "4C", groupes=["4LV2ALL"]),
        Eleve("0599002B", "2002", "NGUYEN", "Thomas", 1, born(13, 5, 30), "4C"),
        Eleve("0599002B", "2003", "PETIT", "Jérôme", 1, born(14, 6, 8), "3C", date_sortie=today - timedelta(days=40)),
    ]
    personnes = [
        Personne("0599001A", "5001", "M.", "MARTIN", "Philippe", [("1001", 1, "20"), ("1002", 1, "20")],
                 adresse_id="A5001"),
        Personne("0599001A", "5002", "MME", "MARTIN", "Odette", [("1001", 3, "38")]),
        Personne("0599003C", "7001", "M.", "MARTIN", "Philippe", [("3001", 1, "20")], adresse_id="A7001"),
        Personne("0599003C", "7002", "MME", "LEFEBVRE", "Sophie", [("3002", 1, "10")], adresse_id="A7002"),
        Personne("0599002B", "6001", "MME", "BERNARD", "Nadia", [("2001", 1, "10")], adresse_id="A6001"),
        Personne("0599002B", "6002", "M.", "BERNARD", "Karim", [("2001", 1, "20")], adresse_id="A6002"),
        Personne("0599002B", "6003", "MME", "NGUYEN", "Anh", [("2002", 1, "10")]),
        Personne("0599002B", "6004", "MME", "PETIT", "Nathalie", [("2003", 1, "10")]),
    ]
    return eleves, personnes


SURNAMES = ["DUBOIS", "LAMBERT", "FONTAINE", "ROUSSEAU", "MOREL", "GIRARD", "ANDRÉ", "MERCIER", "BLANC",
            "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "PERRIN", "ROBIN",
            "CLÉMENT", "FAURE", "LEMAIRE", "BENOÎT", "HÉBERT", "DELATTRE", "DUHAMEL", "LEBŒUF", "CARON",
            "DESCAMPS", "VANDENBERGHE", "HADJADJ", "DIALLO", "PEREIRA", "KOWALSKI", "BENSAÏD", "LECLERCQ"]
GIRLS = ["Chloé", "Zoé", "Maëlys", "Anaïs", "Léna", "Noémie", "Jade", "Manon", "Camille", "Éloïse", "Inaya",
         "Louise", "Agathe", "Héloïse", "Yasmine", "Océane", "Clémence", "Romane"]
BOYS = ["Théo", "Noé", "Raphaël", "Gabriel", "Mathéo", "Jules", "Adam", "Nathan", "Éthan", "Loïc",
        "Timothée", "Yanis", "Mehdi", "Baptiste", "Côme", "Maxence", "Anatole", "Bastien"]
MOTHERS = ["Stéphanie", "Aurélie", "Céline", "Hélène", "Émilie", "Karima", "Mélanie", "Sandrine", "Virginie",
           "Nathalie", "Sévérine", "Laëtitia", "Fatoumata", "Isabelle", "Agnès"]
FATHERS = ["Sébastien", "Jérôme", "Frédéric", "Grégory", "François", "Samir", "Cédric", "Olivier", "Thierry",
           "Mickaël", "Stéphane", "Jean-Marc", "Rémi", "Hervé", "Amadou"]
STREETS = ["RUE JEAN JAURÈS", "RUE DE LA GARE", "RUE PASTEUR", "AVENUE DE L'EUROPE", "RUE DU MOULIN",
           "RUE DES ÉCOLES", "RÉSIDENCE LES TILLEULS", "RUE VICTOR HUGO"]


def generate(etab: Etab, annee: int, rng: random.Random, eleves: list[Eleve], personnes: list[Personne]) -> None:
    """Fill the establishment up to its size with families: one or two
    legal guardians each, now and then siblings sharing them."""
    taken_students = {e.who for e in eleves if e.uai == etab.uai}
    taken_adults = {p.who for p in personnes if p.uai == etab.uai}
    # One family per surname while they last, so that a name is a family
    # (the stories' surnames are not in the list).
    unused = rng.sample(SURNAMES, len(SURNAMES))
    prefix = {"0599001A": "1", "0599002B": "2", "0599003C": "3"}[etab.uai]
    next_eleve, next_personne = 101, 101
    count = sum(1 for e in eleves if e.uai == etab.uai)
    classes = iter(etab.classes * etab.size)
    family: list[Personne] = []
    elder: Eleve | None = None
    while count < etab.size:
        classe = next(classes)
        sibling = bool(family) and rng.random() < 0.2
        nom = elder.nom if sibling else (unused.pop() if unused else rng.choice(SURNAMES))
        sexe = rng.choice((1, 2))
        prenom = rng.choice(BOYS if sexe == 1 else GIRLS)
        if f"{prenom} {nom}" in taken_students:
            continue
        taken_students.add(f"{prenom} {nom}")
        years = AGE[level(classe)] - AGE[level(elder.classe)] if sibling else 0
        if sibling:
            # Twins in the same year, else about a year apart per class.
            birth = elder.date_naissance - timedelta(days=365 * years + (rng.randrange(-45, 46) if years else 0))
        else:
            birth = date(annee - AGE[level(classe)], 1, 1) + timedelta(days=rng.randrange(365))
        eleve = Eleve(etab.uai, f"{prefix}{next_eleve:03d}", nom, prenom, sexe, birth, classe)
        if level(classe) in ("4", "3", "1RE", "TERM") and rng.random() < 0.5:
            eleve.groupes.append(f"{level(classe)}LV2{rng.choice(['ESP', 'ALL'])}")
        next_eleve += 1
        eleves.append(eleve)
        count += 1
        if sibling:
            for parent in family:
                parent.liens.append((eleve.eleve_id, 1, "10" if parent.civilite == "MME" else "20"))
            continue
        family, elder = [], eleve
        adresse = f"{prefix}{next_personne:03d}"
        wanted = [("MME", "10")] if rng.random() < 0.9 else []
        if not wanted or rng.random() < 0.7:
            wanted.append(("M.", "20"))
        for civilite, parente in wanted:
            for _ in range(20):
                first = rng.choice(MOTHERS if civilite == "MME" else FATHERS)
                last = nom if civilite == "M." or rng.random() < 0.7 else rng.choice(SURNAMES)
                if f"{first} {last}" not in taken_adults:
                    break
            taken_adults.add(f"{first} {last}")
            parent = Personne(etab.uai, f"{prefix}{next_personne:03d}", civilite, last, first,
                              [(eleve.eleve_id, 1, parente)], adresse_id=adresse)
            next_personne += 1
            personnes.append(parent)
            family.append(parent)


def email(personne: Personne) -> str:
    local = ascii_fold(f"{personne.prenom}.{personne.nom}").lower().replace(" ", "-").replace("'", "")
    return f"{local}@example.org"


def ine(eleve_id: str) -> str:
    """A made-up INE of the real shape: 9 digits and 2 letters."""
    n = int(eleve_id)
    return f"{n * 7919 % 10**9:09d}{'ABCDEFGHJK'[n % 10]}{'LMNPRSTUVW'[n // 10 % 10]}"


# What the fiche de renseignements shows beyond the accounts' needs (birth
# place, régime, phones, consents), drawn from a generator of each person's own
# so the rest of the académie stays as it was.
COMMUNES_INSEE = {"WATTIGNIES": "59648", "SECLIN": "59560", "GONDECOURT": "59266"}
BIRTH_COMMUNES = ["59350", "59648", "59560", "59266", "59512", "59599", "62041", "93007", "2A004", "97411",
                  "75115"]
BIRTH_ABROAD = [("131", "BRUXELLES"), ("352", "ORAN"), ("109", "COLOGNE")]
REGIMES = ["0", "29", "24", "24", "24", "3"]
# The guide's screen (§ 3.3): Hugo's father at 1 RUE DU MOULIN, 59580
# EMERCHICOURT; Inès's father lives in Belgium (an address abroad).
STORY_ADDRESSES = {
    "A5001": {"ligne1": "1 RUE DU MOULIN", "code_postal": "59580", "commune": "EMERCHICOURT",
              "code_commune_insee": "59192"},
    "A6002": {"ligne1": "RUE DE LA LOI 16", "commune": "1000 BRUXELLES", "code_pays": "131", "pays": "BELGIQUE"},
}
STORY_BIRTHS = {"1001": {"commune_naissance": "93007", "regime": "29"}}
STORY_PERSONS = {"5001": {"tel_personnel": "+33361169666", "accepte_sms": False, "communication_adresse": True,
                          "code_profession": "52"}}


def fiche_eleve(e: Eleve) -> dict:
    rng = random.Random(f"fiche-eleve-{e.uai}-{e.eleve_id}")
    if rng.random() < 0.1:
        pays, ville = rng.choice(BIRTH_ABROAD)
        out = {"code_pays": pays, "ville_naissance": ville}
    else:
        out = {"commune_naissance": rng.choice(BIRTH_COMMUNES)}
    out["regime"] = rng.choice(REGIMES)
    if AGE[level(e.classe)] >= 15:
        out["telephone"] = f"+3375{rng.randrange(10**7):07d}"
    out.update(STORY_BIRTHS.get(e.eleve_id, {}))
    return out


def fiche_personne(p: "Personne") -> dict:
    rng = random.Random(f"fiche-personne-{p.uai}-{p.personne_id}")
    out = {"accepte_sms": rng.random() < 0.7, "communication_adresse": rng.random() < 0.5}
    if rng.random() < 0.4:
        out["tel_personnel"] = f"+3332{rng.randrange(10**7):07d}"
    if rng.random() < 0.3:
        out["tel_professionnel"] = f"+3339{rng.randrange(10**7):07d}"
    out.update(STORY_PERSONS.get(p.personne_id, {}))
    return out


def write_exports(etab: Etab, annee: int, exported_at: datetime, eleves: list[Eleve],
                  personnes: list[Personne], out: Path, rng: random.Random) -> list[Path]:
    """The establishment's two SIECLE exports, zipped for the one that says so."""
    if out.exists():
        shutil.rmtree(out)
    ours = sorted((e for e in eleves if e.uai == etab.uai), key=lambda e: (e.classe, e.nom, e.prenom))
    adults = [p for p in personnes if p.uai == etab.uai]
    eleve_rows = [{
        "eleve_id": e.eleve_id, "elenoet": str(4000 + int(e.eleve_id) % 1000), "nom": e.nom, "prenom": e.prenom,
        "ine": ine(e.eleve_id),
        "sexe": e.sexe, "date_naissance": e.date_naissance, "classe": e.classe, "groupes": e.groupes,
        "date_entree": date(annee, 9, 1), "date_sortie": e.date_sortie, **fiche_eleve(e),
    } for e in ours]
    personne_rows, lien_rows, adresses = [], [], {}
    for p in adults:
        if p.adresse_id and p.adresse_id not in adresses:
            adresses[p.adresse_id] = {"adresse_id": p.adresse_id, "code_postal": etab.code_postal,
                                      "commune": etab.commune,
                                      "ligne1": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                                      "code_commune_insee": COMMUNES_INSEE.get(etab.commune)}
            adresses[p.adresse_id].update(STORY_ADDRESSES.get(p.adresse_id, {}))
        personne_rows.append({
            "personne_id": p.personne_id, "civilite": p.civilite, "nom": p.nom, "prenom": p.prenom,
            "email": email(p), "telephone": f"+336{rng.randrange(10**8):08d}", "adresse_id": p.adresse_id,
            "code_profession": rng.choice(["23", "34", "37", "43", "46", "47", "52", "54", "56", "62", "85"]),
            **fiche_personne(p),
        })
        for eleve_id, niveau, parente in p.liens:
            lien_rows.append({"eleve_id": eleve_id, "personne_id": p.personne_id, "niveau": niveau,
                              "code_parente": parente, "paie_frais": niveau == 1 and parente == "10",
                              "heberge": niveau == 1, "prioritaire": niveau == 1})
    eleves_data = siecle_writer.eleves_xml(etab.uai, annee, exported_at, eleve_rows)
    responsables_data = siecle_writer.responsables_xml(etab.uai, annee, exported_at, personne_rows, lien_rows,
                                                       list(adresses.values()))
    if etab.zipped:
        return [siecle_writer.write(out / "ExportXML_ElevesSansAdresses.zip", eleves_data, "ElevesSansAdresses.xml"),
                siecle_writer.write(out / "ExportXML_ResponsablesAvecAdresses.zip", responsables_data,
                                    "ResponsablesAvecAdresses.xml")]
    return [siecle_writer.write(out / "ElevesSansAdresses.xml", eleves_data),
            siecle_writer.write(out / "ResponsablesAvecAdresses.xml", responsables_data)]


@dataclass
class Compte:
    identifiant: str
    password: str | None
    role: str
    personne: str
    etablissement: str
    remark: str
    rank: int  # position in STORIES for a story, then STAFF, then OTHERS


STAFF, OTHERS = len(STORIES), len(STORIES) + 1


ROLE_LABELS = {"eleve": "élève", "responsable": "responsable", "staff": "personnel", "operator": "opérateur"}


def _born(eleve: Eleve) -> str:
    return f"{'né' if eleve.sexe == 1 else 'née'} le {eleve.date_naissance:%d/%m/%Y}"


def build(rpc: RpcClient, var: Path, clock: Clock, services=None) -> list[Compte]:
    """Generate, write and import the académie; give it a trimester of grades
    when the notes service is deployed (`services`: the deployed services'
    names, deploy/services.yml's by default); issue its letters and create its
    staff. Returns every account, stories first."""
    today, now = clock.today(), clock.now()
    annee = school_year(today)
    rng = random.Random(20260901)
    eleves, personnes = story_cast(annee, today)
    for etab in ETABLISSEMENTS:
        generate(etab, annee, rng, eleves, personnes)
    by_id = {(e.uai, e.eleve_id): e for e in eleves}
    deployed = deployed_services() if services is None else services
    comptes: list[Compte] = []
    for etab in ETABLISSEMENTS:
        out = var / "demo" / "siecle" / etab.uai
        paths = write_exports(etab, annee, now, eleves, personnes, out, rng)
        report = import_files(rpc, paths, etab.uai, nom=etab.nom, type_=etab.type, commune=etab.commune)
        (out / "rapport-import.txt").write_text(format_report(report) + "\n", encoding="utf-8")
        if "fiche" in deployed:
            # The fiche keeps its own copy of the same files (docs/fiche.md).
            fiche_report = import_fiche.import_files(rpc, paths, etab.uai, nom=etab.nom)
            (out / "rapport-import-fiche.txt").write_text(
                import_fiche.format_report(etab.uai, fiche_report) + "\n", encoding="utf-8")
        created = report["created"]
        print(f"{etab.nom} ({etab.uai}) : {created.get('eleves', 0)} élèves et "
              f"{created.get('responsables', 0)} responsables créés, {len(report['skipped'])} enregistrement(s) "
              f"ignoré(s) (rapport : {out / 'rapport-import.txt'})")

        children = {p.who: [by_id[(etab.uai, i)] for i, niveau, _ in p.liens
                            if niveau == 1 and by_id[(etab.uai, i)].date_sortie is None]
                    for p in personnes if p.uai == etab.uai}
        students = {e.who: e for e in eleves if e.uai == etab.uai}
        for letter in rpc.call("accounts", "issue_letters", uai=etab.uai):
            who = f"{letter['prenom']} {letter['nom']}"
            if letter["role"] == "eleve" and who in students:
                detail = f"{_born(students[who])}, en {students[who].classe}"
            elif children.get(who):
                detail = "date de naissance à saisir : " + " ; ".join(
                    f"{e.prenom} ({e.date_naissance:%d/%m/%Y}, {e.classe})" for e in children[who])
            else:
                detail = ""
            rank = next((i for i, (uai, role, person, _) in enumerate(STORIES)
                         if (uai, role, person) == (etab.uai, letter["role"], who)), OTHERS)
            remark = " ; ".join(part for part in (STORIES[rank][3] if rank < STAFF else "", detail) if part)
            comptes.append(Compte(letter["identifiant"], letter["password"], letter["role"], who, etab.nom,
                                  remark, rank))

    if "notes" in deployed:
        # One collège publishes at a date ("à échéance"), the others the next day.
        demo_notes.fill(rpc, [etab.uai for etab in ETABLISSEMENTS], modes={"0599002B": "echeance"}, clock=clock)
    if "vie_scolaire" in deployed:
        demo_vie_scolaire.fill(rpc, [etab.uai for etab in ETABLISSEMENTS], clock=clock)
    if "lsl" in deployed:
        # The lycée's livrets: première and terminale, one repeating terminale,
        # one turning 18 during terminale.
        lycee = next(etab for etab in ETABLISSEMENTS if etab.type == "lycee")
        lsl = demo_lsl.fill(rpc, lycee.uai, clock, naissances={
            e.eleve_id: e.date_naissance for e in eleves if e.uai == lycee.uai})
        print(f"Livret scolaire du lycée ({lycee.uai}) : redoublant de terminale {lsl['redoublant']}, "
              f"majeur en cours de terminale {lsl['majeur_en_terminale']}")
    if "bourses" in deployed:
        demo_bourses.fill(rpc, clock)
    if "inscription" in deployed:
        # The collèges' 3e students assigned to the lycée, the campaign open.
        lycee = next(etab for etab in ETABLISSEMENTS if etab.type == "lycee")
        demo_inscription.fill(rpc, clock, [(e.uai, e.nom, e.commune) for e in ETABLISSEMENTS if e.type == "college"],
                              (lycee.uai, lycee.nom, lycee.code_postal, lycee.commune))

    heads = {}
    for etab in ETABLISSEMENTS:
        prenom, nom, title = etab.direction
        created = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": etab.uai, "fonction": "direction", "nom": nom, "prenom": prenom,
            "email": f"direction.{etab.uai.lower()}@example.org"})
        comptes.append(Compte(created["identifiant"], created["password"], "staff", f"{prenom} {nom}", etab.nom,
                              f"{title} : personnel de direction de l'établissement", STAFF))
        heads[etab.uai] = created["account_id"]
        if "vie_scolaire" in deployed and etab.uai == ETABLISSEMENTS[0].uai:
            # The conseiller principal d'éducation: the vie scolaire pages only.
            cpe = rpc.call("accounts", "create_staff_account", payload={
                "role": "staff", "etablissement_uai": etab.uai, "fonction": "cpe", "nom": "GARNIER",
                "prenom": "Sophie", "email": f"cpe.{etab.uai.lower()}@example.org"})
            comptes.append(Compte(cpe["identifiant"], cpe["password"], "staff", "Sophie GARNIER", etab.nom,
                                  "CPE : justifications, absentéisme et réglages de la vie scolaire seulement", STAFF))
        # The welcome message families see on their home page (guide § 3.1).
        rpc.call("accounts", "set_message_accueil", uai=etab.uai, account_id=created["account_id"], message=(
            f"Bienvenue sur les services en ligne de l'établissement {etab.nom} !\n"
            "Pour toute question, le secrétariat vous répond du lundi au vendredi de 8\u00a0h à 17\u00a0h.\n"
            f"{prenom} {nom.title()}, {title}"))
    created = rpc.call("accounts", "create_staff_account", payload={
        "role": "operator", "nom": OPERATOR[1], "prenom": OPERATOR[0], "email": "operateur@example.org"})
    comptes.append(Compte(created["identifiant"], created["password"], "operator", " ".join(OPERATOR), "académie",
                          "opérateur de l'académie : tous les établissements", STAFF))
    # The académie's own services shown as links (LPC, cahier de textes, ENT, Pix).
    demo_liens.fill(rpc, created["account_id"], heads)
    # Stories in their order, then staff, then everyone else as the letters came.
    return sorted(comptes, key=lambda c: c.rank)


def write_credentials(comptes: list[Compte], path: Path) -> None:
    lines = ["# Comptes de démonstration : mots de passe provisoires, valables 3 mois.",
             "# À la première connexion, un responsable saisit la date de naissance d'un de ses enfants,",
             "# un élève la sienne (colonne remarque). Fichiers SIECLE importés et rapports : demo/siecle/.",
             "# identifiant | mot de passe | rôle | personne | établissement | remarque", ""]
    headers = {0: "# Les histoires à essayer d'abord", STAFF: "# Personnels et opérateur",
               OTHERS: "# Les autres familles"}
    section = None
    for compte in comptes:
        current = compte.rank if compte.rank >= STAFF else 0
        if current != section:
            if section is not None:
                lines.append("")
            lines.append(headers[current])
            section = current
        lines.append(" | ".join([compte.identifiant, compte.password or "(inchangé)", ROLE_LABELS[compte.role],
                                 compte.personne, compte.etablissement, compte.remark]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    var = var_dir()
    rpc = RpcClient(amqp_uri(), timeout=120, client_name="demo")
    try:
        comptes = build(rpc, var, Clock(clock_file()))
    finally:
        rpc.close()
    path = var / "demo-comptes.txt"
    write_credentials(comptes, path)
    print(f"Académie de démonstration créée : {len(comptes)} comptes, identifiants dans {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
