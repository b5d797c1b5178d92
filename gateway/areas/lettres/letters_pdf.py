"""The notification letters as one PDF, one page per account (guide § 1.1):
the identifier, the provisional password, the portal's address and the date
until which the letter is valid; for an account already in use, only the
identifier, the password unchanged.

The font (Roboto, from the pinned `font-roboto` package) covers every Latin
name SIECLE can hold, which fpdf2's built-in fonts (Latin-1) do not.
"""
from datetime import date

import font_roboto
from fpdf import FPDF

from common.typography import french_date, spaced


class _LetterPDF(FPDF):
    """Every text written gets French typography's no-break spaces (common/typography.py)."""

    def __init__(self):
        super().__init__(format="A4")
        self.add_font("Roboto", "", font_roboto.Roboto)
        self.add_font("Roboto", "B", font_roboto.RobotoBold)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)

    def multi_cell(self, w, h, text="", *args, **kwargs):
        return super().multi_cell(w, h, spaced(text), *args, **kwargs)

    def cell(self, w=None, h=None, text="", *args, **kwargs):
        return super().cell(w, h, spaced(text), *args, **kwargs)


def services_named(services: list[str] | None) -> str:
    """" (notes, vie scolaire)" from the labels of the services the school opened;
    nothing when none is open or the list is not known."""
    if not services:
        return ""
    return " (" + ", ".join(label[:1].lower() + label[1:] for label in services) + ")"


def render(letters: list[dict], etablissement: dict, portal_url: str, today: date, rules: dict,
           services: list[str] | None = None) -> bytes:
    """`rules`: accounts' `rules()` (the password rule and the letter's validity, in words);
    `services`: the labels of the services the establishment opened (None: not known)."""
    pdf = _LetterPDF()
    pdf.set_title(f"Notifications – {etablissement['nom']}")
    pdf.set_author(etablissement["nom"])
    for letter in letters:
        pdf.add_page()
        pdf.set_font("Roboto", "B", 11)
        pdf.multi_cell(0, 6, etablissement["nom"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Roboto", "", 10)
        pdf.multi_cell(0, 5, f"{etablissement.get('commune', '')}, le {french_date(today)}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(12)
        pdf.set_font("Roboto", "B", 16)
        pdf.multi_cell(0, 8, "Scolarité services – votre compte", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Roboto", "", 11)
        who = f"{letter['prenom']} {letter['nom'].upper()}"
        if letter["role"] == "eleve":
            about = f"Élève : {who}" + (f", classe {letter['classe']}" if letter.get("classe") else "")
        else:
            about = f"Responsable : {who} – pour l'élève {letter['eleve']}"
        pdf.multi_cell(0, 6, about, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        if letter["password"]:
            intro = ("Votre établissement vous ouvre l'accès aux services en ligne de l'éducation nationale"
                     f"{services_named(services)}. Voici de quoi créer votre compte.")
        else:
            intro = ("Votre compte Scolarité services est déjà activé. Nous vous rappelons votre identifiant ; "
                     "votre mot de passe reste celui que vous avez choisi.")
        pdf.multi_cell(0, 6, intro, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        rows = [("Adresse du site", portal_url), ("Identifiant", letter["identifiant"])]
        if letter["password"]:
            rows += [("Mot de passe provisoire", letter["password"]),
                     ("Valable jusqu'au", french_date(letter["valid_until"]))]
        else:
            rows += [("Mot de passe", "inchangé")]
        for label, value in rows:
            pdf.set_font("Roboto", "", 11)
            pdf.cell(60, 9, label, border=1)
            pdf.set_font("Roboto", "B", 12)
            pdf.cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_font("Roboto", "", 10)
        if letter["password"]:
            steps = [
                "1. Ouvrez l'adresse du site ci-dessus et connectez-vous avec l'identifiant et le mot de passe "
                "provisoire.",
                "2. Lors de cette première connexion, indiquez " + (
                    "votre date de naissance" if letter["role"] == "eleve"
                    else "la date de naissance de votre enfant et votre adresse électronique (obligatoire)")
                + f", puis choisissez votre mot de passe ({rules['password']['short']}).",
            ]
            if letter["role"] != "eleve":
                steps.append("3. Cliquez sur le lien du courriel de confirmation qui vous est envoyé : cette "
                             "étape est nécessaire pour accéder aux services en ligne.")
            steps.append(f"Ce document n'est valable que {rules['letter_validity']} pour la création du compte. Passé ce délai, "
                         "contactez le secrétariat de l'établissement pour obtenir une nouvelle notification.")
            for step in steps:
                pdf.multi_cell(0, 5.5, step, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
        pdf.ln(4)
        whose = ("à vos informations scolaires" if letter["role"] == "eleve"
                 else "aux informations scolaires de votre enfant")
        pdf.multi_cell(0, 5.5, f"Conservez ce document en lieu sûr : il donne accès {whose}. Le personnel de "
                               "l'établissement ne vous demandera jamais votre mot de passe.",
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
