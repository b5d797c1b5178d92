"""What crosses the accounts service's boundary."""
import re

from marshmallow import Schema, post_load, validates_schema

from common.schemas import ValidationError, fields, validate

UAI = validate.Regexp(r"^\d{7}[A-Z]$", error="Code UAI invalide (7 chiffres et une lettre).")


class EtablissementSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    nom = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(["college", "lycee"]))
    commune = fields.String(load_default="", validate=validate.Length(max=100))


class EleveImportSchema(Schema):
    siecle_eleve_id = fields.String(required=True, validate=validate.Length(min=1, max=20))
    ine = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=11))
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prenom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    date_naissance = fields.Date(required=True)
    classe = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    date_sortie = fields.Date(load_default=None, allow_none=True)


class PersonneImportSchema(Schema):
    siecle_personne_id = fields.String(required=True, validate=validate.Length(min=1, max=20))
    civilite = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5))
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prenom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))


class LienImportSchema(Schema):
    siecle_eleve_id = fields.String(required=True)
    siecle_personne_id = fields.String(required=True)
    niveau_responsabilite = fields.Integer(required=True, validate=validate.OneOf([1, 2, 3]))
    code_parente = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2))


class SiecleImportSchema(Schema):
    """One establishment's students, guardians and links, as read from its
    SIECLE exports by `services.accounts.siecle`."""

    etablissement = fields.Nested(EtablissementSchema, required=True)
    eleves = fields.List(fields.Nested(EleveImportSchema), required=True)
    personnes = fields.List(fields.Nested(PersonneImportSchema), load_default=list)
    liens = fields.List(fields.Nested(LienImportSchema), load_default=list)


class FirstConnectionSchema(Schema):
    """The first-connection form (guide § 2.2): the birth date of the child (of
    the student themself), a new password twice, an e-mail (required for a
    guardian, optional for a student) twice."""

    date_naissance = fields.Date(load_default=None, allow_none=True)
    new_password = fields.String(required=True)
    new_password_confirm = fields.String(required=True)
    email = fields.String(load_default=None, allow_none=True)
    email_confirm = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _confirmations(self, data, **kwargs):
        from services.accounts.passwords import password_problem

        errors = {}
        problem = password_problem(data["new_password"])
        if problem:
            errors["new_password"] = [problem]
        elif data["new_password"] != data["new_password_confirm"]:
            errors["new_password_confirm"] = ["Les deux mots de passe ne sont pas identiques."]
        email = (data.get("email") or "").strip()
        if email:
            if len(email) > 254 or not EMAIL.fullmatch(email):
                errors["email"] = ["Adresse électronique invalide."]
            elif email.lower() != (data.get("email_confirm") or "").strip().lower():
                errors["email_confirm"] = ["Les deux adresses ne sont pas identiques."]
        if errors:
            raise ValidationError(errors)


# Deliberately plain: one @, no spaces or line breaks, a dot in the domain.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{2,63}")


class ChildSchema(Schema):
    """A child as the gateway sees it after login."""

    eleve_id = fields.Integer()
    nom = fields.String()
    prenom = fields.String()
    date_naissance = fields.Date()
    classe = fields.String(allow_none=True)
    etablissement_uai = fields.String()
    etablissement_nom = fields.String()
    etablissement_message = fields.String()
    eleve_majeur = fields.Boolean()


class MessageAccueilSchema(Schema):
    """The establishment's welcome message: plain text; control characters
    other than line breaks are dropped."""

    message = fields.String(required=True, validate=validate.Length(max=2000))

    @post_load
    def _clean(self, data, **kwargs):
        text = data["message"].replace("\r\n", "\n")
        data["message"] = "".join(ch for ch in text if ch == "\n" or ch >= " ").strip()
        return data


class StaffAccountSchema(Schema):
    """An establishment's staff member (role staff, with its establishment) or
    an académie operator (role operator), created by an operator."""

    role = fields.String(required=True, validate=validate.OneOf(["staff", "operator"]))
    etablissement_uai = fields.String(load_default=None, allow_none=True, validate=UAI)
    fonction = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(["direction", "secretariat"]))
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prenom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))

    @validates_schema
    def _scope(self, data, **kwargs):
        if data["role"] == "staff" and not (data.get("etablissement_uai") and data.get("fonction")):
            raise ValidationError({"etablissement_uai": ["Un personnel est rattaché à un établissement, avec sa fonction."]})


class AccountViewSchema(Schema):
    id = fields.Integer()
    identifiant = fields.String()
    role = fields.String()
    etablissement_uai = fields.String(allow_none=True)
    fonction = fields.String(allow_none=True)
    prenom = fields.String()
    nom = fields.String()
    email = fields.String(allow_none=True)
    email_confirmed = fields.Boolean()
    must_change_password = fields.Boolean()
    previous_login_at = fields.DateTime(allow_none=True)
    children = fields.List(fields.Nested(ChildSchema))
