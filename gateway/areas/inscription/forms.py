"""The inscription area's forms (Flask-WTF: CSRF on every one). They hold no
rule: the service checks each value (and the fiche's rules the
administrative data) and answers in French beside its field."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from gateway.forms import Form


class DecisionForm(Form):
    """Step 1: the button pressed carries the choice."""

    choix = HiddenField()


class VoeuxForm(Form):
    lv1 = SelectField(_l("Langue vivante A"), validate_choice=False)
    lv2 = SelectField(_l("Langue vivante B"), validate_choice=False)
    options = SelectMultipleField(_l("Enseignements optionnels"), validate_choice=False,
                                  option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    section = SelectField(_l("Section"), validate_choice=False)

    def offer(self, offre: dict) -> None:
        """The choices are what the lycée offers for the training (the
        service refuses anything else)."""
        self.lv1.choices = [("", _l("Choisir"))] + [(c["code"], c["libelle"]) for c in offre["lv1"]]
        self.lv2.choices = [("", _l("Choisir"))] + [(c["code"], c["libelle"]) for c in offre["lv2"]]
        self.options.choices = [(c["code"], c["libelle"]) for c in offre["options"]]
        self.section.choices = [("", _l("Aucune"))] + [(c["code"], c["libelle"]) for c in offre["sections"]]


def _text(label, max_length, **kwargs):
    return StringField(label, validators=[Length(max=max_length)], **kwargs)


class DonneesForm(Form):
    """Step 3: only what changes; an empty field is left as it is."""

    eleve_tel_portable = _text(_l("Téléphone portable de l'élève"), 30)
    eleve_email = _text(_l("Courriel de l'élève"), 254)
    responsable_adresse_ligne1 = _text(_l("Ligne 1"), 100)
    responsable_adresse_ligne2 = _text(_l("Ligne 2"), 100)
    responsable_adresse_ligne3 = _text(_l("Ligne 3"), 100)
    responsable_adresse_ligne4 = _text(_l("Ligne 4"), 100)
    responsable_adresse_code_postal = _text(_l("Code postal (France)"), 10)
    responsable_adresse_commune = _text(_l("Commune"), 100)
    responsable_tel_portable = _text(_l("Votre téléphone portable"), 30)
    responsable_tel_personnel = _text(_l("Votre téléphone personnel"), 30)
    responsable_tel_professionnel = _text(_l("Votre téléphone professionnel"), 30)
    responsable_email = _text(_l("Votre courriel"), 254)

    ADRESSE = ("ligne1", "ligne2", "ligne3", "ligne4", "code_postal", "commune")

    def changes(self) -> tuple[dict, dict]:
        eleve = {"tel_portable": self.eleve_tel_portable.data, "email": self.eleve_email.data}
        adresse = {part: getattr(self, f"responsable_adresse_{part}").data for part in self.ADRESSE}
        responsable = {"tel_portable": self.responsable_tel_portable.data,
                       "tel_personnel": self.responsable_tel_personnel.data,
                       "tel_professionnel": self.responsable_tel_professionnel.data,
                       "email": self.responsable_email.data}
        if any(adresse.values()):
            responsable["adresse"] = {**adresse, "pays": "100"}
        return ({k: v for k, v in eleve.items() if v}, {k: v for k, v in responsable.items() if v})

    def apply_service_errors(self, errors: dict) -> None:
        """"responsable-adresse.code_postal" goes beside responsable_adresse_code_postal."""
        self.apply_remote_errors({key.replace("-", "_").replace(".", "_"): messages
                                  for key, messages in errors.items()})


class ConfirmationForm(Form):
    pass


class MessageForm(Form):
    message = TextAreaField(_l("Message du lycée d'affectation"), validators=[Length(max=2000)])


class CampagneForm(Form):
    annee_scolaire = _text(_l("Rentrée (par exemple 2027 pour 2027-2028)"), 4)
    ouverture = _text(_l("Ouverture (jj/mm/aaaa hh:mm, heure de Paris)"), 20)
    cloture = _text(_l("Clôture (jj/mm/aaaa hh:mm, heure de Paris)"), 20)
