"""The fiche's forms carry only their CSRF token (Flask-WTF): which fields a
tab has and what a value must be are the fiche service's rules; the views read
the posted fields by the names the templates give them."""
from gateway.forms import Form


class CsrfForm(Form):
    """A form whose fields are read from the request, checked by the service;
    the service's messages reach the error summary by `add_input_errors`."""
