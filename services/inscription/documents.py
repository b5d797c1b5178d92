"""The receipt of a finished enrollment (step 4): what the family keeps,
with what was chosen and changed. It is the service's because its content is
the rule's outcome; the gateway only hands the bytes over. Roboto (the
pinned `font-roboto` package) covers every Latin name and the French spaces."""
import font_roboto
from fpdf import FPDF

from services.inscription.models import Dossier, Offre
from services.inscription.pages import donnees_labels, voeux_labels
from services.inscription.text import fr_datetime, school_year_label, typo


class _Document(FPDF):
    def __init__(self, title: str, author: str):
        super().__init__(format="A4")
        self.add_font("Roboto", "", font_roboto.Roboto)
        self.add_font("Roboto", "B", font_roboto.RobotoBold)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)
        self.set_title(title)
        self.set_author(author)
        self.add_page()
        self.set_font("Roboto", "B", 11)
        self.text_(author, 6)
        self.ln(8)
        self.set_font("Roboto", "B", 16)
        self.text_(title, 8)
        self.ln(4)

    def text_(self, text: str, height: float = 6) -> None:
        self.multi_cell(0, height, typo(text), new_x="LMARGIN", new_y="NEXT")

    def rows(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("Roboto", "", 10)
            self.cell(65, 8, typo(label), border=1)
            self.set_font("Roboto", "B", 10)
            self.multi_cell(0, 8, typo(value), border=1, new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_font("Roboto", "", 10)


def accuse_reception(dossier: Dossier, offre: Offre | None) -> bytes:
    affectation = dossier.affectation
    lycee = affectation.lycee
    title = f"Accusé de réception – inscription pour la rentrée {school_year_label(affectation.annee_scolaire)}"
    pdf = _Document(title, lycee.nom)
    pdf.rows([("Élève", f"{affectation.prenom} {affectation.nom.upper()}"),
              ("Collège d'origine", affectation.college.nom),
              ("Lycée", f"{lycee.nom}, {lycee.adresse}, {lycee.code_postal} {lycee.commune}".strip(", ")),
              ("Formation", affectation.formation),
              ("Inscrit par", dossier.decision_par), ("Inscription commencée le", fr_datetime(dossier.decision_le)),
              ("Inscription terminée le", fr_datetime(dossier.complete_le))])
    wishes = voeux_labels(offre, dossier.voeux)
    pdf.set_font("Roboto", "B", 11)
    pdf.text_("Souhaits pédagogiques")
    if wishes:
        pdf.rows(wishes)
    else:
        pdf.set_font("Roboto", "", 10)
        pdf.text_("Aucun.", 5.5)
        pdf.ln(3)
    changed = donnees_labels(dossier)
    pdf.set_font("Roboto", "B", 11)
    pdf.text_("Données administratives mises à jour")
    if changed:
        pdf.rows(changed)
    else:
        pdf.set_font("Roboto", "", 10)
        pdf.text_("Aucune modification.", 5.5)
        pdf.ln(3)
    pdf.text_("Le lycée examine les souhaits pédagogiques selon ses places ; les données administratives "
              "mises à jour sont reprises par l'établissement. Conservez ce document : il vaut accusé de "
              "réception de votre inscription.", 5.5)
    return bytes(pdf.output())
