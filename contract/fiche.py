"""Errors of the fiche de renseignements that cross the wire, each saying what
the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import Forbidden, NotOpen


@deserialize_to_instance
class FicheClosed(NotOpen):
    """The establishment has closed the fiche de renseignements (it is open by
    default), or this viewer has none (a minor student): a page saying so,
    never data."""


@deserialize_to_instance
class ModificationsEnAttente(Forbidden):
    """The other guardian's changes to the student's data wait for the school's
    decision: this guardian may send theirs once the school has decided (guide
    § 3.3). The message is French, for the family."""

    def __init__(self, message="Les modifications des données de l'élève envoyées par l'autre responsable sont en "
                               "attente de traitement par l'établissement. Vous pourrez envoyer les vôtres "
                               "lorsqu'elles auront été traitées."):
        super().__init__(message)
