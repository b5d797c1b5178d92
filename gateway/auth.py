"""Login, logout and the first connection (guide § 2.2 and 2.3)."""
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from common.errors import ValidationError
from gateway import rpc
from gateway.app import limiter
from gateway.forms import FirstConnectionForm, LoginForm
from gateway.session import TOKEN, load_viewer, start_session
from services.accounts.exceptions import InvalidCredentials, ProvisionalPasswordExpired, SessionExpired

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path of this site, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            result = rpc.call("accounts", "login", identifiant=form.identifiant.data,
                              password=form.mot_de_passe.data)
        except InvalidCredentials:
            form.form_errors.append(_("Identifiant ou mot de passe incorrect."))
        except ProvisionalPasswordExpired:
            form.form_errors.append(_(
                "Votre mot de passe provisoire n'est plus valable (plus de 3 mois). "
                "Contactez le secrétariat de l'établissement pour obtenir une nouvelle notification."))
        else:
            start_session(result["token"])
            if result["must_change_password"]:
                return redirect(url_for("auth.first_connection"))
            return redirect(_safe_next(request.args.get("suivant")))
    return render_template("login.html", form=form)


@bp.post("/deconnexion")
def logout():
    token = session.get(TOKEN)
    if token:
        rpc.call("accounts", "logout", token=token)
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/premiere-connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def first_connection():
    viewer = load_viewer()
    if viewer is None:
        return redirect(url_for("auth.login"))
    if not viewer["must_change_password"]:
        return redirect(url_for("home.index"))
    form = FirstConnectionForm()
    if form.validate_on_submit():
        try:
            result = rpc.call("accounts", "first_connection", token=session[TOKEN], form={
                "date_naissance": form.date_naissance.data.isoformat() if form.date_naissance.data else None,
                "new_password": form.new_password.data,
                "new_password_confirm": form.new_password_confirm.data,
                "email": form.email.data or None,
                "email_confirm": form.email_confirm.data or None,
            })
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except SessionExpired:
            return redirect(url_for("auth.login"))
        else:
            start_session(result["token"])
            flash(_("Votre mot de passe a été enregistré. Bienvenue sur Scolarité services."), "success")
            return redirect(url_for("home.index"))
    return render_template("first_connection.html", form=form, viewer=g.viewer)
