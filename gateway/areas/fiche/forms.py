"""The fiche's forms carry only their CSRF token (Flask-WTF): which fields a
tab has and what a value must be are the fiche service's rules; the views read
the posted fields by the names the templates give them."""
from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """A form whose fields are read from the request, checked by the service."""
