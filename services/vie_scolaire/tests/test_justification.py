"""Beyond the seeds (issue 15): a guardian, or an adult student, justifies an
absence online with a motif from the school's parent-usable list, a comment
and optionally a document (PDF or image, checked by content, size-limited);
the school accepts or refuses it with a reason; the family sees the state and
gets a mail either way. A minor student cannot justify; nobody reaches
another family's events."""
import base64
import io

import pytest
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select

from common.errors import Forbidden, NotFound, ValidationError
from services.vie_scolaire import documents
from services.vie_scolaire.models import Justification
from services.vie_scolaire.service import VieScolaireClosed
from services.vie_scolaire.tests.conftest import UAI, absence, child, event, paris, setup_school

AUTEUR = {"email": "Parent.Martin@Example.org", "prenom": "Claire", "nom": "MARTIN", "eleve_prenom": "Léa",
          "eleve_nom": "MARTIN", "etablissement_nom": "Collège Jean Moulin"}


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Certificat medical")
    return bytes(pdf.output())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "GIF")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def school(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1"), absence("A2", eleve="1002"),
                               absence("A3", publiable_en_ligne="non"),
                               event("R1", "retard", minutes="5", publiable_en_ligne="oui")])
    clock.move_to(paris(2026, 11, 10, 9, 0))
    return vs


def _line(vs, ref_index=0, eleve_id=1, **ctx):
    return vs.page(child(eleve_id, **ctx))["periodes"][0]["evenements"]["absence"][ref_index]


def _justify(vs, evenement_id, ctx=None, **form):
    form = {"motif": "MAL", "commentaire": "Fièvre", **form}
    return vs.justify(ctx or child(), evenement_id, form, AUTEUR)


def _sent(vs) -> list[dict]:
    return [m for call in vs.mail_events.call_args_list for m in call.args[1]["messages"]]


def test_guardian_justifies_with_a_pdf_and_the_school_accepts(school, vs_db):
    line = _line(school)
    assert (line["justification"]["etat"], line["peut_justifier"]) == ("non_justifiee", True)
    assert _justify(school, line["id"], document={"nom": "certificat.pdf", "contenu": b64(pdf_bytes())}) == {
        "etat": "en_attente"}
    line = _line(school)
    assert (line["justification"]["libelle"], line["peut_justifier"]) == ("Justification en attente", False)

    [pending] = school.pending_justifications(UAI)
    assert (pending["eleve_prenom"], pending["motif"], pending["commentaire"], pending["document_nom"]) == (
        "Léa", "Maladie", "Fièvre", "certificat.pdf")
    doc = school.justification_document(UAI, pending["id"])
    assert (doc["type"], base64.b64decode(doc["contenu"])[:5]) == ("application/pdf", b"%PDF-")

    assert school.decide_justification(UAI, pending["id"], {"accepter": True}, 42) == {"etat": "acceptee"}
    line = _line(school)
    assert (line["justification"]["etat"], line["motif"]) == ("justifiee", "Maladie")
    assert school.page(child())["periodes"][0]["totaux"]["demi_journees_non_justifiees"] == 0
    [mail] = _sent(school)
    assert (mail["kind"], mail["to"]) == ("justification_absence_acceptee", "Parent.Martin@example.org")
    assert mail["context"]["absence"] == "le 09/11/2026 de 8\u00a0h\u00a000 à 11\u00a0h\u00a055"
    assert school.pending_justifications(UAI) == []


def test_the_school_refuses_with_a_reason_the_family_reads_and_may_try_again(school):
    line = _line(school)
    _justify(school, line["id"], document={"nom": "photo.png", "contenu": b64(png_bytes())})
    [pending] = school.pending_justifications(UAI)
    with pytest.raises(ValidationError) as exc:
        school.decide_justification(UAI, pending["id"], {"accepter": False, "raison": "  "}, 42)
    assert exc.value.errors == {"raison": ["Indiquez la raison du refus\u00a0: la famille la lira."]}
    school.decide_justification(UAI, pending["id"], {"accepter": False, "raison": "Certificat illisible"}, 42)
    line = _line(school)
    assert line["justification"] == {"etat": "refusee", "libelle": "Justification refusée",
                                     "raison": "Certificat illisible"}
    assert line["peut_justifier"] is True
    [mail] = _sent(school)
    assert (mail["kind"], mail["context"]["raison"]) == ("justification_absence_refusee", "Certificat illisible")
    with pytest.raises(ValidationError):
        school.decide_justification(UAI, pending["id"], {"accepter": True}, 42)
    assert _justify(school, line["id"], motif="FAM") == {"etat": "en_attente"}


def test_a_minor_student_cannot_justify_an_adult_student_can(school, vs_db):
    line_id = _line(school)["id"]
    minor = child(role="eleve")
    assert school.page(minor)["peut_justifier"] is False
    with pytest.raises(Forbidden):
        _justify(school, line_id, ctx=minor)
    adult = child(role="eleve", majeur=True)
    assert _line(school, role="eleve", majeur=True)["peut_justifier"] is True
    assert _justify(school, line_id, ctx=adult) == {"etat": "en_attente"}


def test_nobody_reaches_another_familys_or_an_unpublished_event(school, vs_db):
    page = school.page(child(1))
    other_child_event = _line(school, eleve_id=2)["id"]
    unpublished = 3
    retard = page["periodes"][0]["evenements"]["retard"][0]["id"]
    for evenement_id in (other_child_event, unpublished, retard, 999):
        with pytest.raises(NotFound):
            _justify(school, evenement_id)
    # The same child seen from another establishment's context.
    school.set_opening("0595678Y", True, account_id=1)
    with pytest.raises(NotFound):
        _justify(school, _line(school)["id"], ctx=child(1, uai="0595678Y"))
    with pytest.raises(NotFound):
        school.justification_document("0595678Y", 1)
    assert vs_db.scalar(select(func.count(Justification.id))) == 0


@pytest.mark.parametrize("document, message", [
    ({"nom": "lettre.txt", "contenu": b64(b"Mon fils etait malade.")}, documents.REFUSED),
    ({"nom": "faux.pdf", "contenu": b64(b"%PDF-1.4\nrien de plus")}, "Ce PDF est illisible ou endommagé."),
    ({"nom": "anim.gif", "contenu": b64(gif_bytes())}, documents.REFUSED),
    ({"nom": "gros.pdf", "contenu": b64(b"%PDF-" + b"0" * documents.MAX_BYTES)},
     "Le document dépasse la taille maximale de 5\u00a0Mo."),
    ({"nom": "x.pdf", "contenu": "pas du base64 !"}, "Le document n'a pas pu être lu."),
])
def test_a_bad_document_is_refused_and_nothing_is_recorded(school, vs_db, document, message):
    with pytest.raises(ValidationError) as exc:
        _justify(school, _line(school)["id"], document=document)
    assert exc.value.errors == {"document": [message]}
    assert vs_db.scalar(select(func.count(Justification.id))) == 0


def test_a_motif_outside_the_parents_list_or_a_second_justification_is_refused(school):
    line_id = _line(school)["id"]
    with pytest.raises(ValidationError) as exc:
        _justify(school, line_id, motif="REV")
    assert exc.value.errors == {"motif": ["Choisissez un motif de la liste."]}
    assert [m["code"] for m in school.page(child())["motifs_parents"]] == ["MAL", "FAM"]
    _justify(school, line_id)
    with pytest.raises(ValidationError) as exc:
        _justify(school, line_id)
    assert list(exc.value.errors) == ["_"]


def test_nothing_is_reachable_while_the_service_is_closed(school):
    school.set_opening(UAI, False, account_id=1)
    with pytest.raises(VieScolaireClosed):
        school.page(child())
    with pytest.raises(VieScolaireClosed):
        _justify(school, 1)
    assert school.menus([child()]) == [{"eleve_id": 1, "menu": None, "per_child": False}]
    school.set_opening(UAI, True, account_id=1)
    assert school.menus([child()])[0]["menu"] == {"label": "Vie scolaire", "path": "/vie-scolaire/", "order": 30}


def test_an_adult_student_without_an_address_reads_the_answer_on_the_page_only(school):
    adult = child(role="eleve", majeur=True)
    line_id = _line(school)["id"]
    school.justify(adult, line_id, {"motif": "MAL"}, {**AUTEUR, "email": None})
    [pending] = school.pending_justifications(UAI)
    school.decide_justification(UAI, pending["id"], {"accepter": True}, 42)
    assert _sent(school) == []
    assert _line(school, role="eleve", majeur=True)["justification"]["etat"] == "justifiee"


def test_only_who_administers_the_vie_scolaire_answers_a_justification(school):
    """Accounts' rule, asked with the domain: a CPE, the direction or the
    secrétariat of the school; anyone else is refused and nothing changes."""
    school.accounts.administers.side_effect = lambda account_id, uai, domaine: (
        account_id == 42 and uai == UAI and domaine == "vie_scolaire")
    line = _line(school)
    _justify(school, line["id"])
    [pending] = school.pending_justifications(UAI)
    with pytest.raises(Forbidden):
        school.decide_justification(UAI, pending["id"], {"accepter": True}, 7)
    assert [p["id"] for p in school.pending_justifications(UAI)] == [pending["id"]]
    assert _sent(school) == []
    assert school.decide_justification(UAI, pending["id"], {"accepter": True}, 42) == {"etat": "acceptee"}
