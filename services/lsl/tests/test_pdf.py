"""Issue 16 § 8: after the results the school publishes the final livret; the
family downloads it as a PDF with the screens' content, accents and tables
right (read back with pypdf)."""
import base64
import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from common.clock import PARIS
from common.errors import NotFound
from services.lsl.tests.conftest import LYCEE, annee, child, eleve, evaluation, xml

NOW = datetime(2027, 7, 8, 10, 0, tzinfo=PARIS)


def test_the_final_livret_once_published_reads_back_with_the_screens_content(lsl, clock):
    clock.move_to(NOW)
    lsl.set_opening(LYCEE, True, account_id=1)
    sarah = eleve("3001", avis_examen="T", engagements=["C"], engagement_autre="Tutorat d'élèves de seconde",
                  annees=[annee(2025, "1RE 2", [evaluation(code="020100", appreciation="Écrit soigné, élève sérieuse.")]),
                          annee(2026, "TERM 2", [evaluation(appreciation="Très bonne année, félicitations.")],
                                avis_engagement=("Déléguée très impliquée.", "LEROY", "Anne"),
                                avis_chef_etab=("Excellent dossier.", "MOREAU", "Isabelle"))],
                  historique=[("6EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES"),
                              ("TERM GENERALE", 2026, "LYCÉE MARGUERITE DE FLANDRE", "GONDECOURT")])
    lsl.replicate(LYCEE, xml(sarah, eleve("3002", avis_examen="F")).decode())
    with pytest.raises(NotFound):
        lsl.final_livret(child(11))
    assert lsl.home(child(11))["definitif_disponible"] is False

    assert lsl.publish_final(LYCEE, account_id=7)["publies"] == 2
    news = lsl.news_events.call_args_list[0].args[1]["items"]
    assert sorted(i["key"] for i in news) == ["lsl-definitif:11", "lsl-definitif:12"]
    assert lsl.home(child(11))["definitif_disponible"] is True
    # Publishing again publishes nothing new.
    assert lsl.publish_final(LYCEE, account_id=7)["publies"] == 0

    download = lsl.final_livret(child(11))
    assert download["filename"] == "livret-scolaire-martin-sarah.pdf"
    reader = PdfReader(io.BytesIO(base64.b64decode(download["pdf"])))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for expected in ("Livret scolaire du lycée – version définitive", "Élève : Sarah MARTIN",
                     "LYCÉE MARGUERITE DE FLANDRE, GONDECOURT", "Enseignements – 2025-2026 – 1RE 2",
                     "Français", "Écrit soigné, élève sérieuse.", "Mathématiques",
                     "Très bonne année, félicitations.", "Raisonner, démontrer", "Compétences bien maîtrisées",
                     "Délégué de classe", "Tutorat d'élèves de seconde", "Déléguée très impliquée.",
                     "Avis de l'équipe pédagogique : Très favorable", "Excellent dossier.",
                     "COLLÈGE JEAN MOULIN", "WATTIGNIES", "2019-2020"):
        assert expected in flat, expected
    # The tables' headings, and the distribution of the two opinions of the série.
    for heading in ("Discipline", "Moyenne de l'élève", "Moyenne du groupe", "Appréciation annuelle",
                    "Classe", "Année scolaire", "Établissement", "Commune"):
        assert heading in flat, heading
    assert "Très favorable 1 50,00 %" in flat
    assert "Favorable 1 50,00 %" in flat


def _text(download) -> str:
    reader = PdfReader(io.BytesIO(base64.b64decode(download["pdf"])))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_is_kept_until_its_content_changes(lsl, clock):
    clock.move_to(NOW)
    lsl.set_opening(LYCEE, True, account_id=1)
    first_year = annee(2026, "TERM 2", [evaluation(appreciation="Très bonne année, félicitations.")])
    lsl.replicate(LYCEE, xml(eleve("3001", avis_examen="T", annees=[first_year])).decode())
    lsl.publish_final(LYCEE, account_id=7)
    first = lsl.final_livret(child(11))
    assert "Édité le 08/07/2027" in _text(first)

    # The next day, same content: the PDF kept is answered (printed the 8th).
    clock.move_to(datetime(2027, 7, 9, 10, 0, tzinfo=PARIS))
    assert lsl.final_livret(child(11)) == first

    # A replication changes an appreciation: a new PDF, with it.
    changed = annee(2026, "TERM 2", [evaluation(appreciation="Année remarquable, bravo.")])
    lsl.replicate(LYCEE, xml(eleve("3001", avis_examen="T", annees=[changed])).decode())
    text = _text(lsl.final_livret(child(11)))
    assert "Année remarquable, bravo." in text and "Très bonne année" not in text
    assert "Édité le 09/07/2027" in text
