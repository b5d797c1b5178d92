"""The two documents a family keeps: the acknowledgement of an application,
with its number (always given, domain § 4), and the notification of the
school's decision (an accord with its échelon, amount and period, or a refusal
with its reason and the appeal route, domain § 5).

They are the service's because their content is the rule's outcome; the
gateway only hands the bytes over. Roboto (the pinned `font-roboto` package)
covers every Latin name and the French spaces, which fpdf2's core fonts do not.
"""
from common.documents import Document
from services.bourses.demandes import estimate_text, ressources
from contract.bourses import SITUATIONS
from services.bourses.models import ACCORDEE, LYCEE, Demande
from services.bourses.text import bourse_label, euros, fr_date, fr_datetime, school_year_label, typo


def _document(title: str, demande: Demande) -> Document:
    return Document(title, demande.etablissement_nom, typo, label_width=70, wrap_values=False)


def _who(demande: Demande) -> list[tuple[str, str]]:
    eleve = f"{demande.eleve_prenom} {demande.eleve_nom.upper()}"
    if demande.eleve_classe:
        eleve += f", classe {demande.eleve_classe}"
    return [("Élève", eleve), ("Établissement", demande.etablissement_nom),
            ("Demandeur", f"{demande.demandeur_prenom} {demande.demandeur_nom.upper()}")]


def accuse_reception(demande: Demande) -> bytes:
    title = f"Accusé de réception – demande de {bourse_label(demande.niveau)}"
    pdf = _document(title, demande)
    pdf.rows([("Numéro de la demande", demande.numero), ("Déposée le", fr_datetime(demande.deposee_le)),
              ("Année scolaire", school_year_label(demande.annee_scolaire)), *_who(demande),
              ("Situation du foyer", SITUATIONS[demande.situation]),
              ("Enfants à charge", str(demande.enfants_a_charge)),
              (f"Revenu fiscal de référence (avis {demande.annee_avis})", euros(ressources(demande)))])
    pdf.set_font("Roboto", "B", 11)
    pdf.paragraph("Estimation")
    pdf.set_font("Roboto", "", 10)
    pdf.paragraph(estimate_text(demande.estimation_echelon, demande.estimation_montant), 5.5)
    pdf.ln(3)
    pdf.paragraph("Cette estimation est calculée avec le barème de l'année à partir des informations que vous avez "
              "saisies ; elle ne vaut pas décision. L'établissement examine votre demande et peut vous demander "
              "une pièce justificative, notamment votre avis d'impôt. Vous serez informé par courriel de chaque "
              "étape et trouverez la décision dans Scolarité services.", 5.5)
    pdf.ln(3)
    pdf.paragraph("Conservez ce document : il vaut accusé de réception de votre demande.", 5.5)
    return bytes(pdf.output())


def notification(demande: Demande) -> bytes:
    title = f"Notification de décision – {bourse_label(demande.niveau)}"
    pdf = _document(title, demande)
    pdf.rows([("Numéro de la demande", demande.numero), ("Décision du", fr_date(demande.decidee_le)),
              ("Année scolaire", school_year_label(demande.annee_scolaire)), *_who(demande)])
    pdf.set_font("Roboto", "B", 12)
    if demande.statut == ACCORDEE:
        period = ("pour toute la scolarité au lycée, à compter de l'année scolaire "
                  f"{school_year_label(demande.annee_scolaire)}" if demande.niveau == LYCEE
                  else f"pour l'année scolaire {school_year_label(demande.annee_scolaire)}")
        pdf.paragraph(f"La {bourse_label(demande.niveau)} est accordée.", 7)
        pdf.ln(2)
        pdf.rows([("Échelon", str(demande.decision_echelon)),
                  ("Montant annuel", euros(demande.decision_montant)),
                  ("Par trimestre", euros(demande.decision_montant // 3)), ("Période", period)])
        pdf.paragraph("La bourse est versée en trois fois, à la fin de chaque trimestre, par l'agent comptable de "
                  "l'établissement. Pour un élève demi-pensionnaire ou interne, les frais d'hébergement sont "
                  "déduits de la bourse.", 5.5)
    else:
        pdf.paragraph(f"La {bourse_label(demande.niveau)} n'est pas accordée.", 7)
        pdf.ln(2)
        pdf.set_font("Roboto", "", 10)
        pdf.paragraph(f"Motif : {demande.motif_refus}", 5.5)
        pdf.ln(3)
        pdf.paragraph("Vous pouvez contester cette décision dans un délai de deux mois : adressez un recours "
                  "gracieux au chef d'établissement, ou un recours auprès des services du rectorat de "
                  "l'académie. Le secrétariat de l'établissement vous indique l'adresse.", 5.5)
    return bytes(pdf.output())
