"""Mon compte (guide § 2.7): the profile (identifier and address, changed only
with the current password) and the children, with merging ("regroupement")."""
from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contract.accounts import (
    InvalidCredentials, MergeRefused, ProvisionalPasswordExpired, TokenExpired, TokenInvalid, TooManyAttempts,
)
from contract.errors import ValidationError
from gateway import rpc
from gateway.areas.auth.views import client_address, expired_letter_message, login_limit, recovery_limit
from gateway.areas.compte.forms import MergeConfirmForm, MergeForm, ProfileForm
from gateway.extensions import limiter
from gateway.forms import form_kept_when_limited, too_many_attempts_message
from gateway.session import TOKEN, login_required, start_session

bp = Blueprint("compte", __name__, url_prefix="/compte", template_folder="templates")

MERGE_REFUSED = {
    "eleve": _l("Ce compte est un compte élève : seuls les comptes de responsable peuvent être regroupés."),
    "same": _l("C'est le compte avec lequel vous êtes connecté."),
    "other_person": _l("Ce compte appartient à une autre personne : seuls vos propres comptes de responsable "
                       "peuvent être regroupés."),
    "not_guardian": _l("Seuls les comptes de responsable peuvent être regroupés."),
}


@bp.route("/", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
@form_kept_when_limited
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            done = rpc.call("accounts", "change_profile", token=session[TOKEN], client=client_address(), form={
                "current_password": form.current_password.data, "email": form.email.data or None,
                "email_confirm": form.email_confirm.data or None, "new_password": form.new_password.data or None,
                "new_password_confirm": form.new_password_confirm.data or None})
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        else:
            if done["token"]:
                start_session(done["token"])
                flash(_("Votre mot de passe a été modifié. Vos autres connexions ont été fermées."), "success")
            if done["email_sent_to"]:
                flash(_("Un courriel contenant un lien de confirmation a été envoyé à %(email)s. La nouvelle "
                        "adresse sera prise en compte quand vous aurez suivi ce lien.",
                        email=done["email_sent_to"]), "info")
            return redirect(url_for("compte.profile"))
    return render_template("compte/index.html", account=g.viewer, form=form, section="profil")


@bp.post("/renvoyer-confirmation")
@login_required
@limiter.limit(recovery_limit)
def resend_confirmation():
    """Guide § 2.7.1: "si l'adresse mail n'a pas été confirmée, ce bouton
    permet de renvoyer un courriel de validation à l'adresse mail actuelle"."""
    try:
        result = rpc.call("accounts", "resend_confirmation", token=session[TOKEN], client=client_address())
    except ValidationError as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
    except TooManyAttempts as exc:
        flash(too_many_attempts_message(exc.retry_after), "error")
    else:
        flash(_("Un nouveau lien de confirmation a été envoyé à %(email)s.", email=result["email"]), "success")
    return redirect(url_for("compte.profile"))


@bp.get("/enfants")
@login_required
def children():
    if g.viewer["role"] != "responsable":
        abort(404)
    listed = rpc.call("accounts", "account_children", token=session[TOKEN])
    return render_template("compte/enfants.html", account=g.viewer, children=listed, section="enfants")


@bp.route("/enfants/regrouper", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
@form_kept_when_limited
def merge():
    if g.viewer["role"] != "responsable":
        abort(404)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            # "Suivant" (guide § 2.7.2): checked, nothing merged yet; the next
            # page says what will happen (issue 13 § 10).
            preview = rpc.call("accounts", "preview_merge", token=session[TOKEN], identifiant=form.identifiant.data,
                               password=form.password.data, client=client_address())
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except InvalidCredentials:
            form.form_errors.append(_("Identifiant ou mot de passe incorrect pour le compte à regrouper."))
        except ProvisionalPasswordExpired:
            form.form_errors.append(expired_letter_message())
        except TooManyAttempts as exc:
            form.form_errors.append(too_many_attempts_message(exc.retry_after))
        except MergeRefused as exc:
            form.form_errors.append(MERGE_REFUSED.get(exc.reason, MERGE_REFUSED["not_guardian"]))
        else:
            return render_template("compte/regrouper_confirmer.html", account=g.viewer, preview=preview,
                                   form=MergeConfirmForm(ticket=preview["ticket"]), section="enfants")
    return render_template("compte/regrouper.html", account=g.viewer, form=form, section="enfants")


@bp.post("/enfants/regrouper/confirmer")
@login_required
def confirm_merge():
    """The merge confirmed on its second step, with the ticket accounts gave
    for it (the password is not sent again)."""
    if g.viewer["role"] != "responsable":
        abort(404)
    form = MergeConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = rpc.call("accounts", "merge_accounts", token=session[TOKEN], ticket=form.ticket.data,
                          client=client_address())
    except (TokenInvalid, TokenExpired):
        flash(_("Cette demande de regroupement n'est plus valable (plus de 15 minutes, ou déjà traitée). "
                "Saisissez à nouveau l'identifiant et le mot de passe du compte à regrouper."), "error")
        return redirect(url_for("compte.merge"))
    except MergeRefused as exc:
        flash(MERGE_REFUSED.get(exc.reason, MERGE_REFUSED["not_guardian"]), "error")
        return redirect(url_for("compte.merge"))
    flash(_("Les comptes ont été regroupés : les enfants du compte %(identifiant)s sont maintenant "
            "rattachés à votre compte, et ce compte a été supprimé.", identifiant=result["merged"]), "success")
    return redirect(url_for("compte.children"))
