"""Every error becomes a French page; never a stack trace."""
from flask import flash, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from common.errors import CommandInProgress, Forbidden, NotDeployed, NotFound, NotOpen, OutcomeUnknown, Unavailable


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

    @app.errorhandler(NotDeployed)
    def not_deployed(exc):
        # Not offered by this académie: as if the page did not exist.
        app.logger.info("service not deployed: %s", exc)
        return not_found(None)

    @app.errorhandler(CommandInProgress)
    @app.errorhandler(OutcomeUnknown)
    def outcome_unknown(exc):
        # The request went out and may have been carried out: never say that
        # nothing was saved. Sent again with the same input, the form re-asks
        # with the same idempotency key (gateway/rpc.py) and learns the outcome.
        app.logger.warning("outcome unknown: %s", exc)
        message = _("Le service n'a pas répondu à temps : nous ne savons pas encore si votre demande a été "
                    "enregistrée. Elle l'a peut-être été. Dans quelques minutes, vérifiez si elle a été prise en "
                    "compte (un courriel reçu, un mot de passe déjà changé, une information déjà modifiée) ; "
                    "sinon, envoyez à nouveau ce formulaire, avec les mêmes informations : il ne sera pas "
                    "enregistré deux fois.")
        form_page = g.get("form_page")
        if form_page is not None and request.method == "POST":
            template, context = form_page
            flash(message, "warning")
            return render_template(template, **context), 503
        return _page(_("Réponse non reçue"), message, 503)

    @app.errorhandler(Unavailable)
    def unavailable(exc):
        app.logger.warning("service unavailable: %s", exc)
        form_page = g.get("form_page")
        if form_page is not None and request.method == "POST":
            # The same form again, with what was typed (gateway.forms.keep_input_on_outage).
            # Only a request that never reached a service raises this on a
            # form (one that went out and got no answer is OutcomeUnknown).
            template, context = form_page
            flash(_("Le service est temporairement indisponible : rien n'a été enregistré. "
                    "Vos saisies sont conservées ci-dessous ; réessayez dans quelques instants."), "error")
            return render_template(template, **context), 503
        return _page(_("Service temporairement indisponible"),
                     _("Le service est temporairement indisponible. Réessayez dans quelques instants."), 503)

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
