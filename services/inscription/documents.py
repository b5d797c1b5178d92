"""The receipt of a finished enrollment (step 4): what the family keeps,
with what was chosen and changed. It is the service's because its content is
the rule's outcome; the gateway only hands the bytes over. Roboto (the
pinned `font-roboto` package) covers every Latin name and the French spaces."""
from common.documents import Document
from services.inscription.models import Dossier, Offre
from services.inscription.pages import donnees_labels, voeux_labels
from common.typography import french_datetime, spaced
from services.inscription.text import school_year_label


def accuse_reception(dossier: Dossier, offre: Offre | None) -> bytes:
    affectation = dossier.affectation
    lycee = affectation.lycee
    title = f"Accusé de réception – inscription pour la rentrée {school_year_label(affectation.annee_scolaire)}"
    pdf = Document(title, lycee.nom, spaced, label_width=65, wrap_values=True)
    pdf.rows([("Élève", f"{affectation.prenom} {affectation.nom.upper()}"),
              ("Collège d'origine", affectation.college.nom),
              ("Lycée", f"{lycee.nom}, {lycee.adresse}, {lycee.code_postal} {lycee.commune}".strip(", ")),
              ("Formation", affectation.formation),
              ("Inscrit par", dossier.decision_par), ("Inscription commencée le", french_datetime(dossier.decision_le)),
              ("Inscription terminée le", french_datetime(dossier.complete_le))])
    wishes = voeux_labels(offre, dossier.voeux)
    pdf.set_font("Roboto", "B", 11)
    pdf.paragraph("Souhaits pédagogiques")
    if wishes:
        pdf.rows(wishes)
    else:
        pdf.set_font("Roboto", "", 10)
        pdf.paragraph("Aucun.", 5.5)
        pdf.ln(3)
    changed = donnees_labels(dossier)
    pdf.set_font("Roboto", "B", 11)
    pdf.paragraph("Données administratives mises à jour")
    if changed:
        pdf.rows(changed)
    else:
        pdf.set_font("Roboto", "", 10)
        pdf.paragraph("Aucune modification.", 5.5)
        pdf.ln(3)
    pdf.paragraph("Le lycée examine les souhaits pédagogiques selon ses places ; les données administratives "
              "mises à jour sont reprises par l'établissement. Conservez ce document : il vaut accusé de "
              "réception de votre inscription.", 5.5)
    return bytes(pdf.output())
