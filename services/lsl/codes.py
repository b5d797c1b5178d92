"""The codes of the LSL import file (2016 schema) and what families read for
them (../shared/domain/lsl.md § 4)."""

# Avis of the teaching team for the bac (guide § 3.2.3). The schema also
# allows "A", whose label no source confirms: a file using it is refused
# rather than shown to families under an invented label.
AVIS_EXAMEN = {"T": "Très favorable", "F": "Favorable", "D": "Doit faire ses preuves"}

ENGAGEMENTS = {
    "C": "Délégué de classe",
    "V": "Délégué du conseil de la vie lycéenne",
    "A": "Membre du conseil d'administration",
    "E": "Membre du comité d'éducation à la santé et à la citoyenneté",
    "S": "Membre de l'association sportive",
}

# Competence levels: the four-level scale, "not evaluated", and the CECRL
# levels for modern languages.
NIVEAUX = {
    "1": "Compétences non maîtrisées",
    "2": "Compétences insuffisamment maîtrisées",
    "3": "Compétences maîtrisées",
    "4": "Compétences bien maîtrisées",
    "0": "Non évalué",
    "NE": "Non évalué",
    **{level: f"Niveau {level} du CECRL" for level in ("A1", "A2", "B1", "B2", "C1", "C2")},
}

PERIODES = {"T": 3, "S": 2}  # trimestres, semestres
MODALITES = {"S": "Tronc commun", "O": "Option obligatoire", "F": "Option facultative"}

# The paper livret's group headings when the nomenclature gives none, in the
# order the livret prints them.
OBLIGATOIRES = "Enseignements obligatoires"
FACULTATIFS = "Enseignements facultatifs"
DEFAULT_REGROUPEMENT = {"S": OBLIGATOIRES, "O": OBLIGATOIRES, "F": FACULTATIFS}

# Parts of the livret a rectification can name (the four screens and identity).
PARTIES = {
    "identite": "Identité",
    "enseignements": "Enseignements",
    "engagements": "Engagements / investissements",
    "avis_examen": "Avis examen",
    "scolarite": "Scolarité",
}
