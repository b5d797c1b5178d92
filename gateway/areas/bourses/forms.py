"""The bourses area's forms (Flask-WTF: CSRF on every one). They hold no
rule: the service checks each value and answers in French beside its field."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from contract.bourses import SITUATIONS
from gateway.forms import Form

FIELDS = ("situation", "enfants_a_charge", "revenu_fiscal_reference", "revenu_fiscal_reference_2", "annee_avis")


class DemandeForm(Form):
    """The fields as typed; the service checks them and answers in French
    beside each field (nothing is checked twice here)."""

    situation = RadioField(_l("Situation du foyer"), choices=list(SITUATIONS.items()), validate_choice=False,
                           validators=[Optional()])
    enfants_a_charge = StringField(_l("Nombre d'enfants à charge"), validators=[Length(max=10)])
    revenu_fiscal_reference = StringField(_l("Revenu fiscal de référence"), validators=[Length(max=20)])
    revenu_fiscal_reference_2 = StringField(_l("Revenu fiscal de référence du second avis"),
                                            validators=[Length(max=20)])
    annee_avis = StringField(_l("Année de l'avis d'impôt"), validators=[Length(max=10)])


class ReviewForm(Form):
    action = HiddenField()
    echelon = StringField(_l("Échelon accordé"), validators=[Length(max=2)])
    piece = StringField(_l("Pièce manquante"), validators=[Length(max=1000)])
    motif = TextAreaField(_l("Motif du refus"), validators=[Length(max=2000)])


class CampagneForm(Form):
    campagne_id = HiddenField()
    niveau = SelectField(_l("Bourse"), choices=[("college", _l("Bourse de collège")), ("lycee", _l("Bourse de lycée"))])
    annee_scolaire = StringField(_l("Année scolaire (première année, par exemple 2026 pour 2026-2027)"),
                                 validators=[Length(max=4)])
    ouverture = StringField(_l("Premier jour (jj/mm/aaaa)"), validators=[Length(max=10)])
    cloture = StringField(_l("Dernier jour inclus (jj/mm/aaaa)"), validators=[Length(max=10)])
