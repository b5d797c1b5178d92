"""What identifies an establishment everywhere: its UAI (code of the national
directory of establishments), 7 digits and a letter, as SIECLE gives it."""
import re

from marshmallow import validate

from contract.errors import ValidationError

UAI_PATTERN = re.compile(r"\d{7}[A-Z]\Z")
BAD_UAI = "Code UAI invalide (7 chiffres et une lettre)."

# For marshmallow fields: `fields.String(validate=UAI)`.
UAI = validate.Regexp(UAI_PATTERN, error=BAD_UAI)


def is_uai(value) -> bool:
    return isinstance(value, str) and UAI_PATTERN.fullmatch(value) is not None


def check_uai(uai) -> str:
    """`uai`, when it is an establishment's code; otherwise the refusal a
    caller shows beside its `uai` field."""
    if not is_uai(uai):
        raise ValidationError({"uai": [BAD_UAI]})
    return uai
