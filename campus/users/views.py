"""Account pages: register, login, logout, profile, password reset, the language switch.

The browser session is a pair of JWT cookies (`campus.users.web`); every change goes through
`campus.users.services`, whose field errors are shown next to the form's fields.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_jwt_extended import set_access_cookies, set_refresh_cookies, unset_jwt_cookies

from campus.core.errors import AuthError, CampusError, RateLimited
from campus.core.forms import ConfirmForm, show_error
from campus.core.pages import page_login_required, page_permission_required
from campus.core.phones import format_phone
from campus.core.security import resolve_token
from campus.extensions import limiter
from campus.roles.labels import role_label
from campus.users import registration, services, signin
from campus.users.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from campus.users.web import safe_next, sign_in

bp = Blueprint("users_views", __name__)

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.app_context_processor
def page_globals():
    """`current_user` and the small forms of the layout (language switch, log out) for templates."""
    return {
        "current_user": g.get("current_user"),
        # After switching, come back here; a POST's page can't be reloaded, so go home then.
        "language_form": LanguageForm(
            formdata=None, next=request.full_path.rstrip("?") if request.method == "GET" else None
        ),
        "confirm_form": ConfirmForm(formdata=None),
        "role_label": role_label,
    }


def remember_language(response, language: str | None):
    """Keep the `lang` cookie in step with the chosen language, so pages stay in it after
    signing out; no choice (follow the browser) removes the cookie."""
    if language:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    else:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response


def keep_cookies_from_view() -> None:
    """This response sets (or clears) the JWT cookies itself; skip the page session's refresh."""
    g.refreshed_access = None
    g.clear_auth_cookies = False


# --- register, login, logout -----------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def register():
    if g.current_user is not None:
        return redirect(url_for("pages.home"))
    invitation = request.values.get("invitation") or None
    form = RegisterForm(invitation=invitation)
    if invitation is not None:
        try:
            invited = registration.invitation_email(invitation)
        except CampusError as error:
            return render_template("users/reset_link_invalid.html", message=error.message), 400
        if request.method == "GET":
            form.email.data = invited
    elif not registration.registration_open():
        return render_template("users/register.html", form=form, closed=True), 403
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in ("email", "password", "first_name", "last_name", "phone")}
        try:
            user = registration.register(invitation=invitation, **fields)
        except CampusError as error:
            show_error(form, error)
        else:
            if user.email_verified or user.role.name != "guest":
                flash(_("Welcome to Campus, %(name)s!", name=user.first_name), "success")
            else:
                flash(
                    _("Welcome! Open the link we mailed to %(email)s to start using Campus.", email=user.email), "info"
                )
            keep_cookies_from_view()
            return sign_in(redirect(url_for("pages.home")), user)
    return render_template("users/register.html", form=form, closed=False)


@bp.route("/verify-email/<token>")
def verify_email(token):
    """The mailed verification link: the address is proven, a guest account becomes a user."""
    try:
        registration.verify_email(token)
    except CampusError as error:
        return render_template("users/reset_link_invalid.html", message=error.message), 400
    flash(_("Your address is confirmed. Welcome to Campus!"), "success")
    return redirect(url_for("pages.home"))


@bp.route("/verify-email", methods=["POST"])
@page_login_required
def resend_verification():
    try:
        registration.send_verification(g.current_user)
    except CampusError as error:
        flash(error.message, "error")
    else:
        flash(_("A new link is on its way to %(email)s.", email=g.current_user.email), "info")
    return redirect(url_for("users_views.profile"))


@bp.route("/login", methods=["GET", "POST"])
@signin.login_limit()
def login():
    next_page = safe_next(request.values.get("next"))
    if g.current_user is not None:
        return redirect(next_page or url_for("pages.home"))
    form = LoginForm(next=next_page)
    if form.validate_on_submit():
        try:
            user = signin.guarded_sign_in(form.email.data, form.password.data, services.authenticate)
        except AuthError as error:
            # Unknown email and wrong password get one answer; "deactivated" comes only after
            # the right password, so it tells an outsider nothing.
            inactive = error.code == "inactive"
            form.form_errors.append(error.message if inactive else _("Wrong email or password."))
        except RateLimited as error:
            form.form_errors.append(error.message)
            return render_template("users/login.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        else:
            keep_cookies_from_view()
            response = sign_in(redirect(next_page or url_for("pages.home")), user)
            signin.remember_device(response, user.email)
            # A language picked on the sign-in page (the switch's cookie) is the newer choice:
            # the account takes it, as the switch does for a signed-in user.
            chosen = request.cookies.get(LANGUAGE_COOKIE)
            if chosen in current_app.config["LANGUAGES"] and chosen != user.language and user.can("profile.edit"):
                services.update_profile(user, {"language": chosen})
            return remember_language(response, user.language) if user.language else response
    return render_template("users/login.html", form=form)


def _revoke_cookie_tokens(everywhere: bool) -> None:
    """Revoke the tokens behind this browser's cookies (or every token of the user)."""
    user = g.current_user
    services.logout(user, g.token_claims, everywhere=everywhere)
    refresh = request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
    if refresh and not everywhere:
        try:
            _user, claims = resolve_token(refresh, "refresh")
        except AuthError:
            return
        services.logout(user, claims)


def _signed_out_response(message: str):
    flash(message, "success")
    response = redirect(url_for("pages.home"))
    keep_cookies_from_view()
    unset_jwt_cookies(response)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    # CSRFProtect has checked the form's token before this view runs.
    if g.current_user is not None:
        _revoke_cookie_tokens(everywhere=False)
    return _signed_out_response(_("You have signed out."))


@bp.route("/logout-everywhere", methods=["POST"])
@page_login_required
def logout_everywhere():
    _revoke_cookie_tokens(everywhere=True)
    return _signed_out_response(_("You have signed out on every device."))


# --- profile ---------------------------------------------------------------------------------


def _render_profile(profile_form: ProfileForm | None = None, password_form: PasswordChangeForm | None = None):
    user = g.current_user
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None,
            data={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": format_phone(user.phone),
                "language": user.language or "",
            },
        )
    return render_template(
        "users/profile.html",
        user=user,
        profile_form=profile_form,
        password_form=password_form or PasswordChangeForm(formdata=None),
    )


@bp.route("/profile", methods=["GET", "POST"])
@page_permission_required("profile.edit")
def profile():
    if request.method == "GET":
        return _render_profile()
    form = ProfileForm()
    if form.validate_on_submit():
        changes = {
            "first_name": form.first_name.data,
            "last_name": form.last_name.data,
            "phone": form.phone.data,
            "language": form.language.data or None,
        }
        try:
            services.update_profile(g.current_user, changes)
        except CampusError as error:
            show_error(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return remember_language(redirect(url_for("users_views.profile")), form.language.data)
    return _render_profile(profile_form=form)


@bp.route("/profile/password", methods=["POST"])
@page_permission_required("profile.edit")
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            pair = services.change_password(g.current_user, form.current_password.data, form.password.data)
        except CampusError as error:
            show_error(form, error)
        else:
            flash(_("Your password is changed. Every other device has been signed out."), "success")
            response = redirect(url_for("users_views.profile"))
            keep_cookies_from_view()
            set_access_cookies(response, pair["access_token"])
            set_refresh_cookies(response, pair["refresh_token"])
            return response
    return _render_profile(password_form=form)


# --- forgotten password ----------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the account exists.
        flash(_("If an account uses this address, a link to choose a new password is on its way."), "info")
        return redirect(url_for("users_views.login"))
    return render_template("users/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """The mailed link: choose a new password (single use, expiring)."""
    form = ResetPasswordForm()
    try:
        services.user_from_reset_token(token)
        if form.validate_on_submit():
            services.reset_password(token, form.password.data)
            flash(_("Your password is changed. Sign in with the new one."), "success")
            response = redirect(url_for("users_views.login"))
            if g.current_user is not None:
                keep_cookies_from_view()
                unset_jwt_cookies(response)
            return response
    except CampusError as error:
        return render_template("users/reset_link_invalid.html", message=error.message), 400
    return render_template("users/reset_password.html", form=form)


# --- language --------------------------------------------------------------------------------


@bp.route("/language", methods=["POST"])
def set_language():
    """The layout's language switch: a cookie for everyone, and the profile of a signed-in user."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("pages.home")
    if not form.validate_on_submit():
        return redirect(target)
    language = form.language.data
    user = g.current_user
    if user is not None and user.can("profile.edit") and user.language != language:
        services.update_profile(user, {"language": language})
    return remember_language(redirect(target), language)
