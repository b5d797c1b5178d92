"""Login, logout, the first connection and what the login page offers when
something is lost (guide § 2.2 to 2.4): confirming the address, the
forgotten identifier and the forgotten password."""
from urllib.parse import urlparse

from flask import (
    Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _

from contract.accounts import (
    InvalidCredentials, ProvisionalPasswordExpired, SessionExpired, TokenExpired, TokenInvalid, TooManyAttempts,
)
from contract.errors import Unavailable, ValidationError
from gateway import rpc
from gateway.areas.auth.forms import (
    EmailVerificationForm, FirstConnectionForm, ForgottenIdentifierForm, ForgottenPasswordForm, LoginForm,
    NewPasswordForm,
)
from gateway.extensions import limiter
from gateway.forms import form_kept_when_limited, keep_input_on_outage, too_many_attempts_message
from gateway.kept_bodies import kept_page
from gateway.rules import account_rules
from gateway.session import TOKEN, end_session, home_address, load_viewer, start_session
from gateway.view_cache import view_cache

bp = Blueprint("auth", __name__, template_folder="templates")

def expired_letter_message() -> str:
    """A provisional password past its letter's validity (accounts' rule and words)."""
    rules = account_rules()
    validity = _(" (plus de %(duree)s)", duree=rules["letter_validity"]) if rules else ""
    return _("Votre mot de passe provisoire n'est plus valable%(validite)s. Contactez le secrétariat de "
             "l'établissement pour obtenir une nouvelle notification.", validite=validity)


def login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def recovery_limit():
    return current_app.config["RATELIMIT_RECOVERY"]


def client_address() -> str | None:
    """For the account's journal (behind a proxy, see docs/security.md)."""
    return request.remote_addr


def _safe_next(target: str | None, home: str | None = None) -> str:
    """Only a path of this site, never another host; else `home`, or `/`."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return home or url_for("home.index")


def _no_referrer(response):
    """Pages whose address holds a secret link: never sent on to another site."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@form_kept_when_limited
def login():
    form = LoginForm()
    keep_input_on_outage("auth/login.html", form=form, login_message="")
    if form.validate_on_submit():
        try:
            result = rpc.call("accounts", "login", identifiant=form.identifiant.data,
                              password=form.mot_de_passe.data, client=client_address())
        except InvalidCredentials:
            form.form_errors.append(_("Identifiant ou mot de passe incorrect."))
        except ProvisionalPasswordExpired:
            form.form_errors.append(expired_letter_message())
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        else:
            start_session(result["token"], result.get("account_id"), result)
            if result["must_change_password"]:
                return redirect(url_for("auth.first_connection"))
            if result.get("must_confirm_email"):
                return redirect(url_for("auth.verify_email"))
            # Without a page asked before, where `/` would lead (the login's view says).
            home = home_address(result["view"]) if result.get("view") is not None else None
            return redirect(_safe_next(request.args.get("suivant"), home))
    if request.method == "GET":
        # The same for every visitor but for the CSRF token: kept (gateway/kept_bodies.py).
        return kept_page("auth/login.html", unkeyed={"form": form}, login_message=_login_message())
    return render_template("auth/login.html", form=form, login_message=_login_message())


def _login_message() -> str:
    """The académie's "Message d'accueil" (guide § 2.3), kept by accounts; the
    page shows without it when accounts does not answer."""
    cache = view_cache(current_app.config.get("VIEW_CACHE"))
    found = None
    if cache is not None:
        found = cache.login_message(current_app.config["CLOCK"].now().timestamp())
        if found.view is not None:
            return found.view["message"]
    try:
        answer = rpc.call("accounts", "login_message")
    except Unavailable:
        return ""
    if found is not None:
        cache.store_login_message(answer, found.generations, current_app.config["CLOCK"].now().timestamp())
    return answer["message"]


@bp.post("/deconnexion")
def logout():
    token = session.get(TOKEN)
    if token:
        rpc.call("accounts", "logout", token=token)
        end_session(token)
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/premiere-connexion", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@form_kept_when_limited
def first_connection():
    token = session.get(TOKEN)
    viewer = load_viewer()
    if viewer is None and token and rpc.pending("accounts", "first_connection"):
        # The same form again after an unknown outcome, and the session is
        # over: the earlier command ran (it ends the account's sessions). Its
        # record answers with the new session; nothing runs twice.
        return _first_connection_outcome(token)
    if viewer is None:
        return redirect(url_for("auth.login"))
    if not viewer["must_change_password"]:
        return redirect(url_for("home.index"))
    form = FirstConnectionForm()
    keep_input_on_outage("auth/first_connection.html", form=form, viewer=viewer)
    if form.is_submitted():
        # Every field at once (issue 13): a field refused here is sent empty
        # with `check_only`, so accounts still reports every other field (and
        # counts a wrong birth date) but activates nothing; an unreadable date
        # never reaches it, so it never slows the account down.
        locally_valid = form.validate()
        refused_here = {f.name for f in form if f.errors}
        if g.get("retry_after") is not None or "csrf_token" in refused_here:
            return render_template("auth/first_connection.html", form=form, viewer=g.viewer)
        try:
            result = rpc.call("accounts", "first_connection", token=session[TOKEN], client=client_address(),
                              check_only=not locally_valid, form={
                "date_naissance": _iso_or_none(form.date_naissance.data, "date_naissance" in refused_here),
                "new_password": None if "new_password" in refused_here else form.new_password.data,
                "new_password_confirm": (None if "new_password_confirm" in refused_here
                                         else form.new_password_confirm.data),
                "email": None if "email" in refused_here else (form.email.data or None),
                "email_confirm": None if "email_confirm" in refused_here else (form.email_confirm.data or None),
            })
        except ValidationError as exc:
            form.apply_remote_errors({name: messages for name, messages in exc.errors.items()
                                      if name not in refused_here})
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        except SessionExpired:
            return redirect(url_for("auth.login"))
        else:
            if not locally_valid:
                return render_template("auth/first_connection.html", form=form, viewer=g.viewer)
            return _first_connection_done(result)
    return render_template("auth/first_connection.html", form=form, viewer=g.viewer)


def _iso_or_none(value, refused: bool) -> str | None:
    return value.isoformat() if value and not refused else None


def _first_connection_done(result: dict):
    start_session(result["token"])
    if result.get("must_confirm_email"):
        # Guide § 2.2.1: a message confirms what was typed and asks to
        # follow the mail's instructions; its button leads to the login
        # page. Until the link is followed, only "Vérification mail" opens.
        return render_template("auth/email_sent.html", email=result["email_sent_to"], first_connection=True)
    flash(_("Votre mot de passe a été enregistré. Bienvenue sur Scolarité services."), "success")
    if result.get("email_sent_to"):
        flash(_("Un courriel contenant un lien de confirmation a été envoyé à %(email)s. "
                "Suivez ce lien pour pouvoir retrouver votre identifiant ou votre mot de passe "
                "en cas d'oubli.", email=result["email_sent_to"]), "info")
    return redirect(url_for("home.index"))


def _first_connection_outcome(token: str):
    """The earlier command's answer, from its record (gateway/rpc.py re-asks
    with its key). Had it not run, the ended session refuses the call before
    anything is done: then the person logs in again."""
    try:
        result = rpc.call("accounts", "first_connection", token=token, client=client_address(), form={})
    except (SessionExpired, ValidationError, TooManyAttempts):
        return redirect(url_for("auth.login"))
    return _first_connection_done(result)


@bp.route("/verification-courriel", methods=["GET", "POST"])
@limiter.limit(recovery_limit, methods=["POST"])
@form_kept_when_limited
def verify_email():
    """"Vérification mail" (guide § 2.2.1): the only page a guardian whose
    address is not confirmed reaches. Shows the address, lets them correct it
    and sends the link again."""
    viewer = load_viewer()
    if viewer is None:
        return redirect(url_for("auth.login"))
    if viewer["must_change_password"]:
        return redirect(url_for("auth.first_connection"))
    if not viewer.get("must_confirm_email"):
        return redirect(url_for("home.index"))
    form = EmailVerificationForm(data={"email": viewer["email"], "email_confirm": viewer["email"]})
    keep_input_on_outage("auth/verify_email.html", form=form, viewer=viewer)
    if form.validate_on_submit():
        try:
            result = rpc.call("accounts", "resend_confirmation", token=session[TOKEN], email=form.email.data,
                              email_confirm=form.email_confirm.data, client=client_address())
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        except SessionExpired:
            return redirect(url_for("auth.login"))
        else:
            return render_template("auth/email_sent.html", email=result["email"], first_connection=False)
    return render_template("auth/verify_email.html", form=form, viewer=viewer)


@bp.get("/confirmation/<token>")
def confirm_email(token):
    """The link of a confirmation mail: confirms the address at once (guide
    § 2.2.1), then a button leads to the login page."""
    try:
        result = rpc.call("accounts", "confirm_email", token=token[:200], client=client_address())
    except (TokenInvalid, TokenExpired) as exc:
        return _no_referrer((render_template(
            "auth/link_invalid.html", expired=isinstance(exc, TokenExpired), what="confirmation"), 404))
    # The page stands alone: its button leads to the login page (guide § 2.2.1).
    g.viewer = None
    return _no_referrer(render_template("auth/email_confirmed.html", result=result))


def _recovery(form, what: str, **rpc_kwargs):
    """Forgotten identifier or password: the same answer whatever was typed,
    so nobody learns whether an account or an address exists (accounts does
    nothing for an unconfirmed address)."""
    keep_input_on_outage("auth/recovery_request.html", form=form, what=what)
    if form.validate_on_submit():
        method = "forgotten_identifier" if what == "identifiant" else "forgotten_password"
        try:
            rpc.call("accounts", method, client=client_address(), **{k: f.data for k, f in rpc_kwargs.items()})
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        else:
            return render_template("auth/recovery_sent.html", what=what)
    return render_template("auth/recovery_request.html", form=form, what=what)


@bp.route("/identifiant-oublie", methods=["GET", "POST"])
@limiter.limit(recovery_limit, methods=["POST"])
@form_kept_when_limited
def forgotten_identifier():
    form = ForgottenIdentifierForm()
    return _recovery(form, "identifiant", email=form.email)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(recovery_limit, methods=["POST"])
@form_kept_when_limited
def forgotten_password():
    form = ForgottenPasswordForm()
    return _recovery(form, "mot_de_passe", identifiant=form.identifiant)


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
@limiter.limit(recovery_limit, methods=["POST"])
@form_kept_when_limited
def reset_password(token):
    """The reset link (valid one week): choose a new password; the link then
    dies and every session of the account ends."""
    token = token[:200]
    try:
        account = rpc.call("accounts", "check_reset_token", token=token)
    except (TokenInvalid, TokenExpired) as exc:
        return _no_referrer((render_template(
            "auth/link_invalid.html", expired=isinstance(exc, TokenExpired), what="reset"), 404))
    form = NewPasswordForm()
    keep_input_on_outage("auth/reset_password.html", form=form, identifiant=account["identifiant"])
    if form.validate_on_submit():
        try:
            rpc.call("accounts", "reset_password", token=token, client=client_address(), form={
                "new_password": form.new_password.data, "new_password_confirm": form.new_password_confirm.data})
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except (TokenInvalid, TokenExpired) as exc:
            return _no_referrer((render_template(
                "auth/link_invalid.html", expired=isinstance(exc, TokenExpired), what="reset"), 404))
        else:
            session.clear()
            flash(_("Votre mot de passe a été modifié. Connectez-vous avec votre nouveau mot de passe."), "success")
            return redirect(url_for("auth.login"))
    return _no_referrer(render_template("auth/reset_password.html", form=form, identifiant=account["identifiant"]))
