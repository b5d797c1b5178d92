"""Where a real deployment gets the reference tax income from the tax
administration (domain § 4: the family gives its numéro fiscal, the service
fetches the notice's figures; the interface used is not named in the sources,
api.gouv.fr lists an "API Impôt particulier").

This platform has no access to it: the family types the figures from its
notice and the school checks them against the notice. The function below is
the one place a real implementation plugs in (docs/bourses.md); until then it
says so, and the form says to type the figures.
"""
import re

from common.errors import ValidationError
from services.bourses.exceptions import FiscalUnavailable

NUMERO_FISCAL = re.compile(r"^[0-3]\d{12}$")


def fetch_reference_income(numero_fiscal: str, annee_avis: int) -> dict:
    """{"revenu_fiscal_reference", "enfants_a_charge", "annee_avis"} read from
    the tax notice of `annee_avis`. Here: FiscalUnavailable, always, once the
    number is checked."""
    number = re.sub(r"\s", "", numero_fiscal) if isinstance(numero_fiscal, str) else ""
    if not NUMERO_FISCAL.fullmatch(number):
        raise ValidationError({"numero_fiscal": [
            "Numéro fiscal invalide : 13 chiffres, en haut à gauche de la première page de l'avis d'impôt."]})
    raise FiscalUnavailable(annee_avis)
