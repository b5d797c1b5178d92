"""Every error becomes a French page; never a stack trace."""
from flask import flash, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from common.errors import Forbidden, NotFound, NotOpen, Unavailable


def _page(title: str, message: str, status: int):
    return render_template("error.html", title=title, message=message, status=status), status


def register(app):
    @app.errorhandler(404)
    def not_found(_exc):
        return _page(_("Page introuvable"),
                     _("La page que vous cherchez n'existe pas ou vous n'y avez pas accès."), 404)

    @app.errorhandler(405)
    def method_not_allowed(_exc):
        return _page(_("Action impossible"), _("Cette action n'est pas possible sur cette page."), 405)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return _page(_("Formulaire expiré"),
                     _("Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                       "Rechargez la page et recommencez."), 400)

    @app.errorhandler(429)
    def too_many(_exc):
        return _page(_("Trop de tentatives"),
                     _("Vous avez fait trop de tentatives. Patientez quelques minutes avant de réessayer."), 429)

    @app.errorhandler(Unavailable)
    def unavailable(exc):
        app.logger.warning("service unavailable: %s", exc)
        form_page = g.get("form_page")
        if form_page is not None and request.method == "POST":
            # The same form again, with what was typed (gateway.forms.keep_input_on_outage).
            template, context = form_page
            flash(_("Le service est temporairement indisponible : rien n'a été enregistré. "
                    "Vos saisies sont conservées ci-dessous ; réessayez dans quelques instants."), "error")
            return render_template(template, **context), 503
        return _page(_("Service temporairement indisponible"),
                     _("Le service est temporairement indisponible. Réessayez dans quelques instants ; "
                       "ce que vous aviez saisi n'a pas été enregistré."), 503)

    @app.errorhandler(NotFound)
    @app.errorhandler(Forbidden)
    def remote_not_found(_exc):
        return not_found(None)

    @app.errorhandler(NotOpen)
    def not_open(_exc):
        return _page(_("Service non ouvert"),
                     _("Ce service en ligne n'est pas ouvert pour cet élève par son établissement."), 404)

    @app.errorhandler(500)
    def internal(_exc):
        return _page(_("Erreur"), _("Une erreur est survenue. Réessayez dans quelques instants."), 500)
