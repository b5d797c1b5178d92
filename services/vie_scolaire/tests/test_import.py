"""The back-office entry points refuse bad input with a French message naming
the line and column, and write nothing of a refused file; corrections and
"erreur de saisie" keep the event's history."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from common.errors import ValidationError
from services.vie_scolaire.models import Evenement, EvenementVersion, Motif, Periode
from services.vie_scolaire.tests.conftest import (MOTIFS, TRIMESTRES, UAI, absence, event, paris,
                                                  setup_school)


def _refused(call, *args) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        call(*args)
    return exc.value.errors["lignes"]


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


BAD_LINES = [
    (event("X1", "incident"), "Ligne 2, colonne « nature » : nature inconnue"),
    (absence("X1", motif="PIPEAU"), "Ligne 2, colonne « motif » : motif inconnu (PIPEAU)"),
    (absence("X1", fin="09/11/2026 07:00"), "Ligne 2, colonne « fin » : la fin doit être après le début."),
    (absence("X1", fin=""), "Ligne 2, colonne « fin » : la fin est obligatoire pour une absence."),
    (absence("X1", debut="31/11/2026 08:00"), "Ligne 2, colonne « debut » : date et heure attendues"),
    (event("X1", "retard"), "Ligne 2, colonne « minutes » : la durée du retard en minutes est obligatoire."),
    (event("X1", "punition", type="CORVEE"), "Ligne 2, colonne « type » : punition inconnue (CORVEE)"),
    (event("X1", "sanction", type="FESSEE"), "Ligne 2, colonne « type » : sanction hors de la liste de l'article R511-13"),
    (event("X1", "sanction", type="EXCLUSION_TEMPORAIRE", duree="9"),
     "Ligne 2, colonne « duree » : Exclusion temporaire de l'établissement ou d'un service annexe : 8 jours au plus"),
    (event("X1", "sanction", type="EXCLUSION_CLASSE"), "Ligne 2, colonne « duree » : la durée en jours est obligatoire"),
    (event("X1", "sanction", type="RESPONSABILISATION", duree="21"),
     "Ligne 2, colonne « duree » : Mesure de responsabilisation : 20 heures au plus"),
    (event("X1", "sanction", type="BLAME", sursis="total"),
     "Ligne 2, colonne « sursis » : seules les sanctions 3° à 6°"),
    (event("X1", "sanction", type="BLAME", publiable_en_ligne="oui"),
     "Ligne 2, colonne « publiable_en_ligne » : ne s'applique pas à une sanction."),
    (absence("X1", famille_avisee="oui"), "Ligne 2, colonne « famille_avisee » : ne s'applique pas à une absence."),
    (event("X1", "dispense", fin="10/11/2026 10:00", publiable_en_ligne="oui"),
     "Ligne 2, colonne « publiable_en_ligne » : ne s'applique pas à une dispense."),
    (event("X1", "signalement", famille_avisee="oui"),
     "Ligne 2, colonne « famille_avisee » : ne s'applique pas à un signalement."),
    (absence("X1", eleve="9999"), "Ligne 2, colonne « eleve » : élève inconnu dans cet établissement"),
    (absence("X1", publiable_en_ligne="peut-être"), "Ligne 2, colonne « publiable_en_ligne » : oui ou non attendu."),
    (absence("X1", couleur="rouge"), "Ligne 2, colonne « couleur » : colonne inconnue."),
    ({"ref": "A9", "annulation": "oubli"}, "Ligne 2, colonne « annulation » : seule la valeur « erreur de saisie »"),
    ({"ref": "NOPE", "annulation": "erreur de saisie"}, "Ligne 2, colonne « ref » : évènement inconnu (NOPE)"),
]


@pytest.mark.parametrize("bad, message", BAD_LINES, ids=[m.split(" : ", 1)[1][:40] for _b, m in BAD_LINES])
def test_a_bad_line_is_refused_by_name_and_nothing_of_the_file_is_written(vs, vs_db, clock, bad, message):
    clock.move_to(paris(2026, 11, 9, 18, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    good = absence("A2", debut="10/11/2026 08:00", fin="10/11/2026 17:00")
    correction = absence("A1", publiable_en_ligne="non")
    messages = _refused(vs.import_evenements, UAI, [good, bad, correction])
    assert len(messages) == 1 and messages[0].startswith(message), messages
    assert _count(vs_db, Evenement) == 1
    assert _count(vs_db, EvenementVersion) == 0
    assert vs_db.scalar(select(Evenement.publiable_en_ligne)) is True


def test_every_faulty_line_is_listed_in_order(vs, clock):
    setup_school(vs)
    messages = _refused(vs.import_evenements, UAI, [
        event("X1", "retard", minutes="0", publiable_en_ligne="oui", ligne=5),
        absence("X2", fin="01/01/2020 00:00", ligne=3), absence("X2", ligne=9)])
    assert [m.split(",")[0] for m in messages] == ["Ligne 3", "Ligne 5", "Ligne 9"]
    assert messages[2] == "Ligne 9, colonne « ref » : l'évènement X2 figure déjà à la ligne 3."


def test_a_correction_keeps_the_previous_values(vs, vs_db, clock):
    clock.move_to(paris(2026, 11, 9, 18, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    report = vs.import_evenements(UAI, [absence("A1", fin="09/11/2026 17:00", motif="MAL", justifiee="oui")])
    assert report == {"crees": 0, "corriges": 1, "inchanges": 0, "annules": 0}
    assert vs.import_evenements(UAI, [absence("A1", fin="09/11/2026 17:00", motif="MAL", justifiee="oui")]) == {
        "crees": 0, "corriges": 0, "inchanges": 1, "annules": 0}
    vs.import_evenements(UAI, [{"ref": "A1", "annulation": "erreur de saisie"}])
    event_row = vs_db.scalar(select(Evenement))
    assert (event_row.annule, event_row.version, event_row.justifiee) == (True, 3, True)
    history = [(v.version, v.raison, datetime.fromisoformat(v.valeurs["fin"]), v.valeurs["justifiee"])
               for v in event_row.versions]
    assert history == [(1, "correction", paris(2026, 11, 9, 11, 55), False),
                       (2, "erreur de saisie", paris(2026, 11, 9, 17, 0), True)]


def test_a_retard_turned_into_an_absence(vs, vs_db, clock):
    clock.move_to(paris(2026, 11, 9, 18, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [event("E1", "retard", minutes="50", publiable_en_ligne="oui")])
    vs.import_evenements(UAI, [absence("E1", debut="09/11/2026 10:00", fin="09/11/2026 11:00")])
    row = vs_db.scalar(select(Evenement))
    assert (row.nature, row.minutes, row.versions[0].valeurs["nature"]) == ("absence", None, "retard")


def test_motifs_are_updated_by_code_and_duplicates_refused(vs, vs_db):
    assert vs.import_motifs(UAI, MOTIFS) == {"crees": 3, "modifies": 0}
    assert vs.import_motifs(UAI, [{"code": "mal", "libelle": "Maladie (certificat)", "parents": "oui"}]) == {
        "crees": 0, "modifies": 1}
    assert vs_db.scalar(select(Motif.libelle).where(Motif.code == "MAL")) == "Maladie (certificat)"
    assert _refused(vs.import_motifs, UAI, [{"code": "A", "libelle": "x"}, {"code": "a", "libelle": "y"}]) == [
        "Ligne 2, colonne « code » : le code A figure déjà à la ligne 1."]


def test_periods_are_two_semesters_or_three_trimesters_without_overlap(vs, vs_db):
    assert _refused(vs.import_periodes, UAI, [{**TRIMESTRES[0], "classe": "5A"}, {**TRIMESTRES[2], "classe": "5A"}])[0] \
        .startswith("Ligne 1, colonne « numero » : la classe 5A doit avoir 2 semestres (1, 2) ou 3 trimestres")
    overlapping = [TRIMESTRES[0], {**TRIMESTRES[1], "debut": "30/11/2026"}, TRIMESTRES[2]]
    assert _refused(vs.import_periodes, UAI, overlapping) == [
        "Ligne 2, colonne « debut » : la période 2 du calendrier par défaut commence avant la fin de la période 1."]
    assert _refused(vs.import_periodes, UAI, [{**TRIMESTRES[0], "fin": "01/08/2026"}])[0].endswith(
        "la fin de la période précède son début.")
    assert _count(vs_db, Periode) == 0
    vs.import_periodes(UAI, TRIMESTRES)
    semestres = [{"classe": "2GT1", "numero": "1", "libelle": "1er semestre", "debut": "01/09/2026", "fin": "31/01/2027"},
                 {"classe": "2GT1", "numero": "2", "libelle": "2e semestre", "debut": "01/02/2027", "fin": "04/07/2027"}]
    assert vs.import_periodes(UAI, semestres) == {"classes": 1, "periodes": 2, "remplacees": 0}
    assert vs.import_periodes(UAI, semestres)["remplacees"] == 2
    assert _count(vs_db, Periode) == 5


def test_an_empty_file_or_a_bad_establishment_is_refused(vs):
    assert _refused(vs.import_evenements, UAI, []) == ["Le fichier ne contient aucune ligne à importer."]
    with pytest.raises(ValidationError) as exc:
        vs.import_evenements("nope", [absence("A1")])
    assert exc.value.errors == {"uai": ["Code UAI invalide (7 chiffres et une lettre)."]}
