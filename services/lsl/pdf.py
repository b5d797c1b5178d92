"""The final livret as a PDF (FAQ: after the results the head makes the
definitive livret available as a PDF): the same content as the screens, built
from the same page data (services/lsl/pages.py), in a Unicode font (Roboto,
from the pinned `font-roboto` package) so every accent prints."""
import hashlib
import json
from datetime import date, datetime

import font_roboto
from fpdf import FPDF
from fpdf.fonts import FontFace

from common.clock import PARIS
from common.typography import spaced

GREY = (230, 230, 236)
# Changed with the layout below, so that PDFs kept by the service
# (models.LivretPdf) are rendered again in the new one.
LAYOUT = "2026-11-30"


def content_version(livret: dict) -> str:
    """The version of what `render` would print for `livret` (its content,
    not the day of printing): the key of the kept PDF."""
    text = json.dumps([LAYOUT, livret], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _num(value) -> str:
    if value is None:
        return "–"
    return f"{float(value):.2f}".replace(".", ",")


def _pct(value) -> str:
    return f"{_num(value)}\u00a0%"


def _avis_line(avis: dict | None) -> str | None:
    if not avis:
        return None
    when = f", le {date.fromisoformat(avis['date']).strftime('%d/%m/%Y')}" if avis.get("date") else ""
    return f"{avis['texte']} ({avis['prenom']} {avis['nom']}{when})"


class _Livret(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.add_font("Roboto", "", font_roboto.Roboto)
        self.add_font("Roboto", "B", font_roboto.RobotoBold)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.title_text = title

    # French typography's no-break spaces in every text written (common/typography.py).
    def multi_cell(self, w, h=None, text="", *args, **kwargs):
        return super().multi_cell(w, h, spaced(text), *args, **kwargs)

    def cell(self, w=None, h=None, text="", *args, **kwargs):
        return super().cell(w, h, spaced(text), *args, **kwargs)

    def footer(self):
        self.set_y(-12)
        self.set_font("Roboto", "", 8)
        self.cell(0, 5, f"{self.title_text} – page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: int = 13):
        self.ln(3)
        self.set_font("Roboto", "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Roboto", "", 9)

    def line(self, text: str, bold: bool = False):
        self.set_font("Roboto", "B" if bold else "", 9)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Roboto", "", 9)

    def grid(self, header: tuple, rows: list, widths: tuple):
        self.set_font("Roboto", "", 8)
        with self.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
                        line_height=4.5, text_align="LEFT") as table:
            table.row([spaced(str(cell)) for cell in header])
            for row in rows:
                table.row([spaced(str(cell)) for cell in row])
        self.set_font("Roboto", "", 9)


def render(livret: dict, now: datetime) -> bytes:
    """`livret`: {"eleve": {"prenom", "nom"}, "etablissement": {"nom", "commune"},
    "enseignements", "engagements", "avis_examen", "scolarite"} as the pages give them."""
    eleve, etab = livret["eleve"], livret["etablissement"]
    title = f"Livret scolaire du lycée – {eleve['prenom']} {eleve['nom']}"
    pdf = _Livret(title)
    pdf.set_title(title)
    pdf.set_author(etab["nom"])
    pdf.add_page()
    pdf.set_font("Roboto", "B", 16)
    pdf.multi_cell(0, 8, "Livret scolaire du lycée – version définitive", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 10)
    pdf.multi_cell(0, 6, f"Élève : {eleve['prenom']} {eleve['nom']}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"Établissement : {etab['nom']}, {etab['commune']}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"Édité le {now.astimezone(PARIS).strftime('%d/%m/%Y')}", new_x="LMARGIN", new_y="NEXT")

    for annee in livret["enseignements"]:
        pdf.heading(f"Enseignements – {annee['annee']}" + (f" – {annee['classe']}" if annee["classe"] else ""))
        for group in annee["regroupements"]:
            pdf.line(group["libelle"], bold=True)
            rows = []
            for m in group["matieres"]:
                r = m["repartition"]
                rows.append((m["libelle"] + "\n" + ", ".join(m["enseignants"]), _num(m["moyenne_eleve"]),
                             f"{_num(m['moyenne_groupe'])}\n({m['effectif']} élèves)",
                             f"< 8 : {_pct(r['moins_huit'])}\n8 à 12 : {_pct(r['huit_douze'])}\n"
                             f"> 12 : {_pct(r['plus_douze'])}",
                             m["appreciation"],
                             "\n".join(f"{c['libelle']} : {c['niveau_libelle']}" for c in m["competences"]) or "–"))
            pdf.grid(("Discipline", "Moyenne de l'élève", "Moyenne du groupe", "Répartition du groupe",
                      "Appréciation annuelle", "Compétences"), rows, (30, 15, 17, 24, 52, 42))

    if livret["engagements"]:
        pdf.heading("Engagements et investissement")
        for annee in livret["engagements"]:
            pdf.line(annee["annee"] + (f" – {annee['classe']}" if annee["classe"] else ""), bold=True)
            items = [e["libelle"] for e in annee["engagements"]] + (
                [annee["engagement_autre"]] if annee["engagement_autre"] else [])
            if items:
                pdf.line("Engagements : " + " ; ".join(items))
            for label, key in (("Observation du CPE", "avis_engagement"),
                               ("Investissement de l'élève", "avis_investissement")):
                text = _avis_line(annee[key])
                if text:
                    pdf.line(f"{label} : {text}")

    avis = livret["avis_examen"]
    if avis:
        pdf.heading(f"Avis en vue de l'examen du baccalauréat – {avis['annee']}")
        pdf.line(f"Avis de l'équipe pédagogique : {avis['libelle']}")
        observations = _avis_line(avis["observations_chef"])
        if observations:
            pdf.line(f"Observations du chef d'établissement : {observations}")
        pdf.grid((f"Répartition des avis ({avis['serie'] or 'série'})", "Élèves", "Pourcentage"),
                 [(r["libelle"], r["effectif"], _pct(r["pourcentage"])) for r in avis["repartition"]]
                 + [("Effectif de la série", avis["effectif_serie"], _pct(100))], (90, 40, 50))

    if livret["scolarite"]:
        pdf.heading("Scolarité")
        pdf.grid(("Classe", "Année scolaire", "Établissement", "Commune"),
                 [(s["classe"], s["annee"], s["etablissement"], s["commune"]) for s in livret["scolarite"]],
                 (50, 25, 70, 35))
    return bytes(pdf.output())
