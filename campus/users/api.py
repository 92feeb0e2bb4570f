"""JSON endpoints: /api/v1/auth/* and /api/v1/users/* (docs/api.md)."""

from __future__ import annotations

from flask import after_this_request, current_app, g
from flask_jwt_extended import set_access_cookies, set_refresh_cookies

from campus.core.api import api_blueprint
from campus.core.security import (
    authenticate_request,
    bearer_token,
    documented_auth,
    login_required,
    permission_required,
)
from campus.extensions import limiter
from campus.users import registration, services, signin, tokens
from campus.users.schemas import (
    InvitationSchema,
    LogoutSchema,
    PasswordChangeSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenPairSchema,
    TokenRequestSchema,
    UserListSchema,
    UserSchema,
    UserSearchArgsSchema,
)

auth_api = api_blueprint("auth_api", __name__, "/auth", "Registration, tokens, logout")
users_api = api_blueprint("users_api", __name__, "/users", "The caller's account and user search")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@auth_api.route("/register", methods=["POST"])
@limiter.limit(login_limit)
@auth_api.arguments(RegisterSchema)
@auth_api.response(201, UserSchema)
@auth_api.alt_response(403, description="`registration_closed`: accounts are created by invitation only.")
def register(data):
    """Create an account (docs/api.md#registration).

    Under `REGISTRATION_MODE=verified` (the default) the account is a `guest` until its owner
    opens the link mailed to the address, then a `user`; `open` makes a `user` at once; `closed`
    accepts only an `invitation` (one that is forged, used or expired is a 422 `link_invalid`).
    Addresses outside `REGISTRATION_EMAIL_DOMAINS` are a 422.
    `phone`, when given, must be a number `phonenumbers` deems valid (the `phone` format).
    """
    return registration.register(**data)


@auth_api.route("/token", methods=["POST"])
@signin.login_limit()
@auth_api.arguments(TokenRequestSchema)
@auth_api.response(200, TokenPairSchema)
@auth_api.alt_response(
    429,
    description="Too many failed sign-ins from this address, or for this account "
    "from this device (`login_throttled`, with `Retry-After`).",
)
def token(data):
    """Exchange email and password for an access and a refresh token.

    Failed sign-ins are limited per client address (every login form together) and per account;
    the response's `campus_device` cookie, sent back on later sign-ins, keeps this client's
    failures apart from everyone else's against the same account."""
    user = signin.guarded_sign_in(data["email"], data["password"], services.authenticate)

    @after_this_request
    def device_cookie(response):
        return signin.remember_device(response, user.email)

    return tokens.issue_tokens(user)


@auth_api.route("/refresh", methods=["POST"])
@documented_auth
@auth_api.response(200, TokenPairSchema)
def refresh():
    """A new pair for the refresh token in the Bearer header; the presented one is spent.

    Presenting a spent refresh token again ends its whole sign-in (reuse means two holders, one
    of them a thief): `401 token_revoked`, for the new pair too. A refresh token unused for
    `JWT_REFRESH_IDLE_DAYS` has expired; none outlives `JWT_REFRESH_TOKEN_DAYS` after sign-in.

    Browser pages may instead send the refresh cookie with its CSRF value (the
    `csrf_refresh_token` cookie) in `X-CSRF-TOKEN`: the new tokens then go into the cookies
    only, never into the body, so page scripts never hold a token.
    """
    from_cookie = bearer_token() is None
    user = authenticate_request(token_type="refresh")
    if not from_cookie:
        return tokens.rotate(user, g.token_claims)
    pair = tokens.continue_session(user, g.token_claims)

    @after_this_request
    def set_cookie(response):
        set_access_cookies(response, pair["access_token"])
        set_refresh_cookies(response, pair["refresh_token"])
        return response

    return {}


@auth_api.route("/logout", methods=["POST"])
@documented_auth
@auth_api.arguments(LogoutSchema, required=False)
@auth_api.response(204)
def logout(data):
    """Revoke the presented token and the others of its sign-in (the pair `/auth/token` gave and
    the access tokens refreshed from it), or with `everywhere` every token of the user."""
    user = authenticate_request(token_type=("access", "refresh"))
    services.logout(user, g.token_claims, everywhere=data.get("everywhere", False))


@users_api.route("/me", methods=["GET"])
@login_required
@users_api.response(200, UserSchema)
def me():
    """The caller's account."""
    return g.current_user


@users_api.route("/me", methods=["PATCH"])
@login_required
@users_api.arguments(ProfileUpdateSchema, required=False)
@users_api.response(200, UserSchema)
def update_me(changes):
    """Change name, phone or language.

    `phone` must be a number `phonenumbers` deems valid (the `phone` format); empty or null removes it.
    """
    return services.update_profile(g.current_user, changes)


@users_api.route("/me/password", methods=["POST"])
@login_required
@users_api.arguments(PasswordChangeSchema)
@users_api.response(200, TokenPairSchema)
def change_password(data):
    """Change the password; every other token stops working, fresh tokens are returned.

    A wrong `current_password` is a 422 on that field.
    """
    return services.change_password(g.current_user, data["current_password"], data["new_password"])


@users_api.route("", methods=["GET"])
@permission_required("users.search")
@users_api.arguments(UserSearchArgsSchema, location="query")
@users_api.response(200, UserListSchema)
def search(args):
    """Users by name, or by their exact full email (staff: part of an email); public fields only,
    `last_seen_at` only of people who share a chat with the caller (null otherwise)."""
    return {"items": services.search_users(g.current_user, args["q"], limit=args["limit"]), "next_cursor": None}


@users_api.route("/me/verification", methods=["POST"])
@login_required
@users_api.response(202)
def resend_verification():
    """Mail the verification link again (a few times an hour at most: 429)."""
    registration.send_verification(g.current_user)


@users_api.route("/invitations", methods=["POST"])
@permission_required("users.manage")
@users_api.arguments(InvitationSchema)
@users_api.response(202)
def invite(data):
    """Mail an invitation to create an account to `email` (the way in when registration is closed)."""
    registration.invite(g.current_user, data["email"])
