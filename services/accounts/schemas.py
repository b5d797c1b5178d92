"""What crosses the accounts service's boundary."""
from marshmallow import Schema, post_load, validates_schema

from common.schemas import ValidationError, fields, validate
from contract.etablissement import UAI


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
    sexe = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["1", "2"]))
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
    SIECLE exports by `services.accounts.siecle`. The establishment must be
    valid or nothing is imported; each record is checked on its own against
    the schemas above (`importing.load_records`), so that one malformed record
    is skipped with its reason instead of refusing the whole file."""

    etablissement = fields.Nested(EtablissementSchema, required=True)
    eleves = fields.List(fields.Raw(), required=True)
    personnes = fields.List(fields.Raw(), load_default=list)
    liens = fields.List(fields.Raw(), load_default=list)


class LettersRequestSchema(Schema):
    """Which letters to print: all of an establishment's, some students', or one class's."""

    uai = fields.String(required=True, validate=UAI)
    eleve_ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)
    classe = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    only_new = fields.Boolean(load_default=False)
    # Only these accounts (the persons an e-mail notification could not reach).
    identifiants = fields.List(fields.String(validate=validate.Length(max=40)), load_default=None, allow_none=True,
                               validate=validate.Length(max=5000))


class LoginSchema(Schema):
    """The login form as it reaches the service: text without control
    characters (common.schemas); the rest of the rule is `sessions.login`'s."""

    identifiant = fields.String(load_default="", allow_none=True)
    password = fields.String(load_default="", allow_none=True)


class AuditQuerySchema(Schema):
    """The journal's search (staff): an identifier, and the establishment."""

    identifiant = fields.String(load_default="", allow_none=True, validate=validate.Length(max=100))
    uai = fields.String(load_default=None, allow_none=True, validate=UAI)


class FirstConnectionSchema(Schema):
    """The first-connection form (guide § 2.2): the birth date of the child (of
    the student themself), a new password twice, an e-mail (required for a
    guardian, optional for a student) twice."""

    date_naissance = fields.Date(load_default=None, allow_none=True)
    # Missing passwords are refused by the schema check below, so that every
    # field's problem is reported in one answer (not one round at a time).
    new_password = fields.String(load_default=None, allow_none=True)
    new_password_confirm = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)
    email_confirm = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _confirmations(self, data, **kwargs):
        from services.accounts.passwords import password_problem

        errors = {}
        password, confirm = data.get("new_password"), data.get("new_password_confirm")
        if not password:
            errors["new_password"] = ["Ce champ est obligatoire."]
        elif problem := password_problem(password):
            errors["new_password"] = [problem]
        if not confirm:
            errors["new_password_confirm"] = ["Ce champ est obligatoire."]
        elif password and "new_password" not in errors and password != confirm:
            errors["new_password_confirm"] = ["Les deux mots de passe ne sont pas identiques."]
        if (data.get("email") or "").strip():
            errors.update(email_problems(data))
        if errors:
            raise ValidationError(errors)


class ChildSchema(Schema):
    """A child as the gateway sees it after login."""

    eleve_id = fields.Integer()
    nom = fields.String()
    prenom = fields.String()
    date_naissance = fields.Date()
    sexe = fields.String(allow_none=True)
    classe = fields.String(allow_none=True)
    etablissement_uai = fields.String()
    etablissement_nom = fields.String()
    etablissement_message = fields.String()
    tiles = fields.List(fields.Dict())
    eleve_majeur = fields.Boolean()
    # The académie's links opened for this child and viewer (liens.py).
    liens = fields.List(fields.Dict())
    # Set for a student who left the académie, whom the family still sees
    # for the services that serve former students (services/accounts/rentree.py).
    sorti_le = fields.Date(allow_none=True)


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
                             validate=validate.OneOf(["direction", "secretariat", "cpe"]))
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prenom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))

    @validates_schema
    def _scope(self, data, **kwargs):
        errors = {}
        if data["role"] == "staff" and not (data.get("etablissement_uai") and data.get("fonction")):
            errors["etablissement_uai"] = ["Un personnel est rattaché à un établissement, avec sa fonction."]
        if (data.get("email") or "").strip():
            # The families' rule (common.mail's, the mailer's own): one plain
            # address, no line break or markup that could reach a mail header.
            errors.update(email_problems({"email": data["email"], "email_confirm": data["email"]}))
        if errors:
            raise ValidationError(errors)

    @post_load
    def _normalize(self, data, **kwargs):
        data["email"] = (data.get("email") or "").strip() or None
        return data


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
    must_confirm_email = fields.Boolean()
    previous_login_at = fields.DateTime(allow_none=True)
    # Staff and operators: the domains of administration (rules.domaines).
    domaines = fields.List(fields.String())
    children = fields.List(fields.Nested(ChildSchema))


def password_problems(data: dict, field: str = "new_password", confirm: str = "new_password_confirm") -> dict:
    """French messages for a new password outside the rule or not confirmed."""
    from services.accounts.passwords import password_problem

    problem = password_problem(data.get(field) or "")
    if problem:
        return {field: [problem]}
    if data.get(field) != data.get(confirm):
        return {confirm: ["Les deux mots de passe ne sont pas identiques."]}
    return {}


def email_problems(data: dict, field: str = "email", confirm: str = "email_confirm") -> dict:
    """French messages for an address that is not one or not confirmed."""
    from common.mail import normalize_address

    email = (data.get(field) or "").strip()
    if not email:
        return {field: ["Ce champ est obligatoire."]}
    try:
        normalize_address(email)
    except ValueError:
        # The mailer's own rule: an address it would refuse is refused here.
        return {field: ["Adresse électronique invalide."]}
    if email.lower() != (data.get(confirm) or "").strip().lower():
        return {confirm: ["Les deux adresses ne sont pas identiques."]}
    return {}


class EmailFormSchema(Schema):
    """An address typed twice ("Vérification mail", profile)."""

    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    email_confirm = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))

    @validates_schema
    def _check(self, data, **kwargs):
        errors = email_problems(data)
        if errors:
            raise ValidationError(errors)


class ProfileChangeSchema(Schema):
    """"Modification de vos informations" (guide § 2.7.1): the current password,
    and a new address and/or a new password, each typed twice."""

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    email_confirm = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    new_password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    new_password_confirm = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))

    @validates_schema
    def _check(self, data, **kwargs):
        errors = {}
        if data.get("email") or data.get("email_confirm"):
            errors.update(email_problems(data))
        if data.get("new_password") or data.get("new_password_confirm"):
            errors.update(password_problems(data))
        if not errors and not (data.get("email") or data.get("new_password")):
            errors["_"] = ["Indiquez une nouvelle adresse électronique ou un nouveau mot de passe."]
        if errors:
            raise ValidationError(errors)


class NewPasswordSchema(Schema):
    """The new password chosen through a reset link."""

    new_password = fields.String(required=True, validate=validate.Length(max=128))
    new_password_confirm = fields.String(required=True, validate=validate.Length(max=128))

    @validates_schema
    def _check(self, data, **kwargs):
        errors = password_problems(data)
        if errors:
            raise ValidationError(errors)


# The kinds of establishment and the audiences an académie link is declared
# for (services/accounts/liens.py).
TYPES_ETABLISSEMENT = ("college", "lycee")
AUDIENCES = ("responsables", "eleves", "tous")


class LienAcademiqueSchema(Schema):
    """An académie service shown as a link, as an operator declares it. The
    address itself is checked by liens.check_adresse (https, a real host)."""

    nom = fields.String(required=True, validate=validate.Length(min=1, max=100, error="100 caractères au maximum."))
    adresse = fields.String(required=True, validate=validate.Length(min=1, max=500,
                                                                    error="500 caractères au maximum."))
    description = fields.String(load_default="", validate=validate.Length(max=300,
                                                                          error="300 caractères au maximum."))
    audience = fields.String(required=True, validate=validate.OneOf(
        AUDIENCES, error="Choisissez : responsables, élèves, ou les deux."))
    types_etablissement = fields.List(fields.String(validate=validate.OneOf(
        TYPES_ETABLISSEMENT, error="Type d'établissement inconnu.")), required=True)
    ordinateur_seulement = fields.Boolean(load_default=False)
    http_autorise = fields.Boolean(load_default=False)

    @post_load
    def _clean(self, data, **kwargs):
        for key in ("nom", "description"):
            data[key] = " ".join(data[key].split())
        data["adresse"] = data["adresse"].strip()
        errors = {}
        if not data["nom"]:
            errors["nom"] = ["Ce champ est obligatoire."]
        types = [t for t in TYPES_ETABLISSEMENT if t in data["types_etablissement"]]
        if not types:
            errors["types_etablissement"] = ["Choisissez au moins un type d'établissement."]
        if errors:
            raise ValidationError(errors)
        data["types_etablissement"] = types
        return data
