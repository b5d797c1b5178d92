"""The SIECLE (BEE) code lists the fiche shows and checks (shared/SIECLE_FORMAT.md § 6,
shared/domain/fiche_renseignements.md § 2-3): the value is the SIECLE code,
the label what the family reads."""

SEXES = {"1": "MASCULIN", "2": "FÉMININ"}

CIVILITES = {"M.": "M.", "MME": "MME"}

# CODE_PARENTE (GEPI global.inc.php and DossierSCO agree).
PARENTES = {
    "10": "MÈRE", "20": "PÈRE", "37": "FRATRIE", "38": "ASCENDANT", "39": "AUTRE MEMBRE DE LA FAMILLE",
    "41": "ÉDUCATEUR", "42": "ASSISTANT FAMILIAL", "50": "TUTEUR", "51": "AIDE SOCIALE À L'ENFANCE",
    "70": "ÉLÈVE LUI-MÊME", "90": "AUTRE LIEN",
}

# CODE_REGIME: the first digit gives the family (GEPI's traite_regime_sconet);
# the long labels are written after the guide's screen ("DEMI-PENSIONNAIRE AU TICKET").
REGIMES = {
    "0": "EXTERNE LIBRE", "1": "EXTERNE SURVEILLÉ",
    "2": "DEMI-PENSIONNAIRE DANS L'ÉTABLISSEMENT",
    "29": "DEMI-PENSIONNAIRE AU TICKET",
    "3": "INTERNE DANS L'ÉTABLISSEMENT", "38": "DEMI-INTERNE", "39": "INTERNE WEEK-END",
    "4": "INTERNE EXTERNÉ", "5": "INTERNE HÉBERGÉ", "6": "DEMI-PENSIONNAIRE HORS DE L'ÉTABLISSEMENT",
}
REGIMES.update({f"2{n}": f"DEMI-PENSIONNAIRE DANS L'ÉTABLISSEMENT (FORFAIT {n} JOURS)" for n in range(1, 7)})
REGIMES.update({f"3{n}": f"INTERNE {n} JOUR{'S' if n > 1 else ''}" for n in range(1, 7)})

# CODE_PROFESSION, the 2-digit PCS of Nomenclature.xml/PROFESSIONS (SIECLE_FORMAT § 6).
PROFESSIONS = {
    "10": "Agriculteur exploitant",
    "21": "Artisan",
    "22": "Commerçant et assimilé",
    "23": "Chef d'entreprise de 10 salariés ou plus",
    "31": "Profession libérale",
    "33": "Cadre de la fonction publique",
    "34": "Professeur, profession scientifique",
    "35": "Profession de l'information, des arts et des spectacles",
    "37": "Cadre administratif et commercial d'entreprise",
    "38": "Ingénieur, cadre technique d'entreprise",
    "42": "Professeur des écoles, instituteur et assimilé",
    "43": "Profession intermédiaire de la santé et du travail social",
    "44": "Clergé, religieux",
    "45": "Profession intermédiaire administrative de la fonction publique",
    "46": "Profession intermédiaire administrative et commerciale des entreprises",
    "47": "Technicien",
    "48": "Contremaître, agent de maîtrise",
    "52": "Employé civil et agent de service de la fonction publique",
    "53": "Policier et militaire",
    "54": "Employé administratif d'entreprise",
    "55": "Employé de commerce",
    "56": "Personnel des services directs aux particuliers",
    "62": "Ouvrier qualifié de type industriel",
    "63": "Ouvrier qualifié de type artisanal",
    "64": "Chauffeur",
    "65": "Ouvrier qualifié de la manutention, du magasinage et du transport",
    "67": "Ouvrier non qualifié de type industriel",
    "68": "Ouvrier non qualifié de type artisanal",
    "69": "Ouvrier agricole",
    "71": "Retraité agriculteur exploitant",
    "72": "Retraité artisan, commerçant, chef d'entreprise",
    "74": "Retraité cadre",
    "75": "Retraité profession intermédiaire",
    "77": "Retraité employé",
    "78": "Retraité ouvrier",
    "81": "Chômeur n'ayant jamais travaillé",
    "83": "Militaire du contingent",
    "84": "Élève, étudiant",
    "85": "Personne sans activité professionnelle de moins de 60 ans (sauf retraité)",
    "86": "Personne sans activité professionnelle de 60 ans ou plus (sauf retraité)",
    "99": "Non renseignée (inconnue ou sans objet)",
}

# No SIECLE export element carries it (SIECLE_FORMAT § 6): DossierSCO's list,
# kept by the fiche only.
SITUATIONS_EMPLOI = {
    "1": "OCCUPE UN EMPLOI", "2": "AU CHÔMAGE", "3": "PRÉ-RETRAITÉ, RETRAITÉ OU RETIRÉ",
    "4": "SANS ACTIVITÉ PROFESSIONNELLE",
}

FRANCE = "100"
# CODE_PAYS: INSEE country codes without their leading "99". The fiche offers
# the countries below; a code read from SIECLE outside this list is kept and
# shown as its code. Not the full INSEE list: no maintained package with it
# installs here (docs/fiche.md).
PAYS = {
    FRANCE: "FRANCE", "109": "ALLEMAGNE", "131": "BELGIQUE", "134": "ESPAGNE", "127": "ITALIE",
    "139": "PORTUGAL", "132": "ROYAUME-UNI", "140": "SUISSE", "137": "LUXEMBOURG", "135": "PAYS-BAS",
    "350": "MAROC", "351": "TUNISIE", "352": "ALGÉRIE", "208": "TURQUIE", "404": "ÉTATS-UNIS",
    "401": "CANADA", "216": "CHINE", "995": "SANS PAYS",
}


def label(codes: dict, code) -> str:
    """The label of a code, or the code itself when the list does not have it."""
    if code is None or code == "":
        return ""
    return codes.get(str(code), str(code))
