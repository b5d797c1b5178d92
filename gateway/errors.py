"""Every error becomes a French page; never a stack trace.

A view catches the wire errors it answers in its own page (a wrong password
beside the field); the others come here, and PAGES says which page each type
gets. Every module of the contract is imported, so a service's own error
arrives as its type (a NotesClosed is a NotOpen) and finds its page.
"""
import inspect
import time

from flask import flash, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

import contract
from contract.errors import (
    CommandInProgress, Forbidden, NotDeployed, NotFound, NotOpen, OutcomeUnknown, ServiceError, Unavailable,
)
from gateway.extensions import limiter
from gateway.forms import too_many_requests_message

contract.load_all()

_NOT_FOUND = (_l("Page introuvable"), _l("La page que vous cherchez n'existe pas ou vous n'y avez pas accès."), 404)

# Wire error type -> (title, message, status). The most specific type wins
# (its class's method resolution order); ServiceError is the last resort.
PAGES = {
    # Another child or establishment answers exactly like one that does not exist.
    NotFound: _NOT_FOUND,
    Forbidden: _NOT_FOUND,
    NotOpen: (_l("Service non ouvert"),
              _l("Ce service en ligne n'est pas ouvert pour cet élève par son établissement."), 404),
    ServiceError: (_l("Demande refusée"),
                   _l("Cette demande n'a pas pu aboutir. Revenez à la page précédente et réessayez."), 400),
}


def page_for(exc: ServiceError) -> tuple:
    for cls in type(exc).__mro__:
        if cls in PAGES:
            return PAGES[cls]
    return PAGES[ServiceError]


def _page(title: str, message: str, status: int):
    return render_template("error.html", title=title, message=message, status=status), status


def register(app):
    @app.errorhandler(404)
    def not_found(_exc):
        title, message, status = _NOT_FOUND
        return _page(str(title), str(message), status)

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
        limit = limiter.current_limit
        retry_after = max(1, limit.reset_at - int(time.time())) if limit is not None else 60
        view = app.view_functions.get(request.endpoint)
        if request.method == "POST" and getattr(view, "form_kept_when_limited", False):
            # The same page, what was typed kept (gateway.forms.form_kept_when_limited);
            # the view's own decorators (login, limit) have run already.
            g.retry_after = retry_after
            response = make_response(inspect.unwrap(view)(**request.view_args))
            response.status_code = 429
        else:
            response = make_response(_page(_("Trop de tentatives"), too_many_requests_message(retry_after), 429))
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(NotDeployed)
    def not_deployed(exc):
        if str(exc) in app.config["DEPLOYED_SERVICES"]:
            # In the deploy file but no queue on the broker (never started
            # here yet): down, not absent; the form keeps what was typed.
            return unavailable(exc)
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
            flash(_("Le service est momentanément indisponible : rien n'a été enregistré. "
                    "Vos saisies sont conservées ci-dessous ; réessayez dans quelques instants."), "error")
            return render_template(template, **context), 503
        return _page(_("Service momentanément indisponible"),
                     _("Le service est momentanément indisponible. Réessayez dans quelques instants."), 503)

    @app.errorhandler(ServiceError)
    def service_error(exc):
        title, message, status = page_for(exc)
        return _page(str(title), str(message), status)

    @app.errorhandler(500)
    def internal(_exc):
        return _page(_("Erreur"), _("Une erreur est survenue. Réessayez dans quelques instants."), 500)
