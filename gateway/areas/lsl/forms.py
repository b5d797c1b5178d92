"""The family's request forms (Flask-WTF: CSRF on each), with French messages.
Which parts a rectification can name comes from the LSL service."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway.forms import REQUIRED, Form


class RectificationForm(Form):
    partie = SelectField(_l("Partie du livret concernée"), validators=[DataRequired(REQUIRED)])
    objet = TextAreaField(_l("Ce qui est inexact"), validators=[
        DataRequired(REQUIRED), Length(max=300, message=_l("300 caractères au maximum."))])
    commentaire = TextAreaField(_l("Commentaire (facultatif)"), validators=[
        Optional(), Length(max=2000, message=_l("2000 caractères au maximum."))])


class OppositionForm(Form):
    confirmation = BooleanField(_l("Je m'oppose à la transmission du livret scolaire au jury du baccalauréat."),
                                validators=[DataRequired(_l("Cochez la case pour confirmer votre demande."))])
    commentaire = TextAreaField(_l("Commentaire (facultatif)"), validators=[
        Optional(), Length(max=2000, message=_l("2000 caractères au maximum."))])
