"""Marshmallow at every boundary, with the messages a family reads in French.

Field messages are set once here; schemas that face a person import `fields`
from this module so the French messages are in place.
"""
from marshmallow import Schema, ValidationError, fields, validate  # noqa: F401

from common.errors import ValidationError as RemoteValidationError

_FRENCH = {
    fields.Field: {
        "required": "Ce champ est obligatoire.",
        "null": "Ce champ est obligatoire.",
        "validator_failed": "Valeur invalide.",
    },
    fields.String: {"invalid": "Texte invalide.", "invalid_utf8": "Texte invalide."},
    fields.Integer: {"invalid": "Nombre entier attendu.", "too_large": "Nombre trop grand."},
    fields.Boolean: {"invalid": "Oui ou non attendu."},
    fields.Date: {"invalid": "Date invalide.", "format": "Date invalide."},
    fields.DateTime: {"invalid": "Date et heure invalides.", "format": "Date et heure invalides."},
    fields.Email: {"invalid": "Adresse électronique invalide."},
    fields.List: {"invalid": "Liste attendue."},
    fields.Nested: {"type": "Données invalides."},
}
for _field, _messages in _FRENCH.items():
    _field.default_error_messages = {**_field.default_error_messages, **_messages}

validate.Length.message_max = "{max} caractères au maximum."
validate.Length.message_min = "{min} caractères au minimum."
validate.Length.message_all = "Entre {min} et {max} caractères."
validate.OneOf.default_message = "Valeur non autorisée."


def load_or_raise(schema: Schema, data, **kwargs):
    """Validate incoming RPC data; refusal crosses the wire as common.errors.ValidationError."""
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise RemoteValidationError(exc.messages) from None
