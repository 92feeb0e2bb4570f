"""Every way a token is refused on /api/v1/users/me, with the token codes and error body of docs/api.md.

Campus's own tokens (flask-jwt-extended) and the main backend's (Django SimpleJWT, HS256 or RS256)
go through the same door; a refusal is always a 401 `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, timedelta

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask_jwt_extended import create_access_token, decode_token

from campus import create_app
from campus.extensions import db
from tests.support.accounts import bearer
from tests.support.app import config_for

ME = "/api/v1/users/me"
DJANGO_SECRET = "django-shared-secret-long-enough-for-hs256"
AUDIENCE = "campus"
ISSUER = "https://backend.university.test"


def assert_refused(response, code: str) -> None:
    """A 401 whose body is exactly §4's error shape (no `fields` outside 422)."""
    assert response.status_code == 401, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims_of(app, token: str) -> dict:
    with app.app_context():
        return decode_token(token)


# --- Campus's own tokens --------------------------------------------------------------------


def test_no_token_is_token_missing(client):
    assert_refused(client.get(ME), "token_missing")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer " + "x" * 5000,
        "Basic dXNlcjpwYXNz",
        "Token abc",
    ],
)
def test_garbage_is_token_invalid(client, header):
    assert_refused(client.get(ME, headers={"Authorization": header}), "token_invalid")


def test_a_good_token_works(client, make_user, auth):
    user_id = make_user()
    assert client.get(ME, headers=auth.headers(user_id)).status_code == 200


def test_expired_token_is_token_expired(app, client, make_user):
    user_id = make_user()
    with app.app_context():
        token = create_access_token(
            identity=str(user_id), additional_claims={"gen": 0}, expires_delta=timedelta(seconds=-1)
        )
    assert_refused(client.get(ME, headers=bearer(token)), "token_expired")


def test_a_token_that_worked_is_token_expired_once_past_its_expiry(client, make_user, auth, monkeypatch):
    """A token is verified once and its claims kept; its expiry is checked on every request."""
    token = auth.token(make_user())
    assert client.get(ME, headers=bearer(token)).status_code == 200
    an_hour_later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: an_hour_later)
    assert_refused(client.get(ME, headers=bearer(token)), "token_expired")


def test_revoked_token_is_token_revoked(client, make_user, auth):
    user_id = make_user()
    pair = auth.tokens(user_id)
    other = auth.token(user_id)
    assert client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"])).status_code == 204
    assert_refused(client.get(ME, headers=bearer(pair["access_token"])), "token_revoked")
    # Only the presented token was revoked.
    assert client.get(ME, headers=bearer(other)).status_code == 200


def test_the_blocklist_outlives_a_restart_and_forgets_what_has_expired(app, db_url, tmp_path, client, make_user, auth):
    from datetime import datetime, timedelta

    from campus.users.models import RevokedToken

    user_id = make_user()
    token = auth.token(user_id)
    with app.app_context():
        stale = datetime.now(UTC) - timedelta(minutes=1)
        db.session.add(RevokedToken(jti="long-expired", user_id=user_id, expires_at=stale))
        db.session.commit()
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    restarted = create_app(config_for(db_url, tmp_path))  # a new process would see the same
    assert_refused(restarted.test_client().get(ME, headers=bearer(token)), "token_revoked")
    with restarted.app_context():
        assert db.session.get(RevokedToken, "long-expired") is None
        assert db.session.query(RevokedToken).count() == 2  # the token and its sign-in session
        db.session.remove()
        db.engine.dispose()


def test_two_logouts_of_one_sign_in_racing_both_succeed(app, client, make_user, auth, monkeypatch):
    """Access and refresh token logged out at once: both pass authentication, and the second
    commit finds the session's key already blocked (the window between the check and the
    insert is opened by hiding the first logout's rows from the check)."""
    from campus.users import services
    from campus.users.models import RevokedToken
    from campus.users.tokens import resolve_token

    pair = auth.tokens(make_user())
    with app.test_request_context():
        user, access_claims = resolve_token(pair["access_token"], "access")
        _user, refresh_claims = resolve_token(pair["refresh_token"], "refresh")
        services.logout(user, access_claims)
        real_get = db.session.get
        monkeypatch.setattr(
            db.session, "get", lambda model, key, **kw: None if model is RevokedToken else real_get(model, key, **kw)
        )
        services.logout(user, refresh_claims)  # no IntegrityError escapes
        monkeypatch.undo()
    assert_refused(client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"])), "token_revoked")
    assert_refused(client.get(ME, headers=bearer(pair["access_token"])), "token_revoked")


def test_logout_everywhere_revokes_every_token(client, make_user, auth):
    user_id = make_user()
    first, second = auth.tokens(user_id), auth.tokens(user_id)
    response = client.post("/api/v1/auth/logout", headers=bearer(first["access_token"]), json={"everywhere": True})
    assert response.status_code == 204
    assert_refused(client.get(ME, headers=bearer(second["access_token"])), "token_revoked")
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"]))
    assert_refused(refreshed, "token_revoked")


def test_refresh_token_used_as_access_is_token_invalid(client, make_user, auth):
    user_id = make_user()
    assert_refused(client.get(ME, headers=bearer(auth.tokens(user_id)["refresh_token"])), "token_invalid")


def test_access_token_used_to_refresh_is_token_invalid(client, make_user, auth):
    user_id = make_user()
    assert_refused(client.post("/api/v1/auth/refresh", headers=auth.headers(user_id)), "token_invalid")


def test_alg_none_token_is_token_invalid(app, client, make_user, auth):
    user_id = make_user()
    claims = claims_of(app, auth.token(user_id))
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_refused(client.get(ME, headers=bearer(unsigned)), "token_invalid")


def test_token_signed_with_another_key_is_token_invalid(app, client, make_user, auth):
    user_id = make_user()
    claims = claims_of(app, auth.token(user_id))
    forged = pyjwt.encode(claims, "someone-elses-secret-long-enough-for-hs256", algorithm="HS256")
    assert_refused(client.get(ME, headers=bearer(forged)), "token_invalid")


def test_token_without_type_claim_is_token_invalid(app, client, make_user, auth):
    """flask-jwt-extended alone would take it for an access token (docs/design.md#strict-input)."""
    user_id = make_user()
    claims = claims_of(app, auth.token(user_id))
    del claims["type"]
    untyped = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert_refused(client.get(ME, headers=bearer(untyped)), "token_invalid")


def test_token_of_a_deleted_user_is_token_invalid(app, client, make_user, auth):
    from campus.users.models import User

    user_id = make_user()
    token = auth.token(user_id)
    with app.app_context():
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()
    assert_refused(client.get(ME, headers=bearer(token)), "token_invalid")


def test_deactivated_user_is_refused_as_inactive(app, client, make_user, auth):
    from campus.users.models import User

    user_id = make_user()
    token = auth.token(user_id)
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()
    assert_refused(client.get(ME, headers=bearer(token)), "inactive")


def test_cookie_token_on_unsafe_method_needs_the_csrf_value(app, client, make_user, auth):
    user_id = make_user()
    csrf_value = auth.set_cookies(client, auth.token(user_id))
    assert client.get(ME).status_code == 200
    response = client.patch(ME, json={"first_name": "Eve"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    response = client.patch(
        ME, json={"first_name": "Eve"}, headers={app.config["JWT_ACCESS_CSRF_HEADER_NAME"]: csrf_value}
    )
    assert response.status_code == 200


# --- the main backend's tokens (Django SimpleJWT) -------------------------------------------


@pytest.fixture(scope="module")
def rsa_keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(params=["HS256", "RS256"])
def django(request, db_url, tmp_path, rsa_keys, make_user):
    """An app that accepts the main backend's tokens, a signer for such tokens, and `make_user`."""
    private, public = rsa_keys
    algorithm = request.param
    overrides = {
        "EXTERNAL_JWT_ALGORITHM": algorithm,
        "EXTERNAL_JWT_AUDIENCE": AUDIENCE,
        "EXTERNAL_JWT_ISSUER": ISSUER,
        "EXTERNAL_JWT_LEEWAY": 0,
    }
    if algorithm == "HS256":
        overrides["EXTERNAL_JWT_SECRET"] = DJANGO_SECRET
    else:
        overrides["EXTERNAL_JWT_PUBLIC_KEY"] = public
    app = create_app(config_for(db_url, tmp_path, **overrides))

    class Django:
        def __init__(self):
            self.app = app
            self.client = app.test_client()
            self.make_user = make_user  # on the same database

        def token(
            self, user_id, *, token_type="access", audience=AUDIENCE, issuer=ISSUER, lifetime=300, key=None, **extra
        ) -> str:
            now = int(time.time())
            claims = {
                "token_type": token_type,
                "exp": now + lifetime,
                "iat": now,
                "jti": uuid.uuid4().hex,
                "user_id": user_id,
                "aud": audience,
                "iss": issuer,
                **extra,
            }
            claims = {name: value for name, value in claims.items() if value is not None}  # None: left out
            signing_key = key or (DJANGO_SECRET if algorithm == "HS256" else private)
            return pyjwt.encode(claims, signing_key, algorithm=algorithm)

        def me(self, token):
            return self.client.get(ME, headers=bearer(token))

    yield Django()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_django_access_token_maps_through_external_id(django):
    # Local user A has the id the backend uses for user B; B is linked by external_id.
    local_a = django.make_user()
    linked_b = django.make_user(external_id=str(local_a))
    response = django.me(django.token(local_a))
    assert response.status_code == 200
    assert response.get_json()["id"] == linked_b != local_a


def test_django_token_of_unknown_external_user_is_refused(django):
    local = django.make_user()  # a local id, but nobody has it as external_id
    assert_refused(django.me(django.token(local)), "token_invalid")


def test_django_refresh_token_used_as_access_is_refused(django):
    django.make_user(external_id="77")
    assert_refused(django.me(django.token(77, token_type="refresh")), "token_invalid")


def test_django_tokens_buy_no_campus_tokens_at_refresh(django):
    django.make_user(external_id="77")
    for token_type in ("refresh", "access"):
        response = django.client.post("/api/v1/auth/refresh", headers=bearer(django.token(77, token_type=token_type)))
        assert_refused(response, "token_invalid")


def test_django_access_token_can_log_itself_out(django):
    django.make_user(external_id="77")
    token = django.token(77)
    assert django.client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert_refused(django.me(token), "token_revoked")


@pytest.mark.parametrize("jti", [None, "", "j" * 300], ids=["missing", "empty", "too-long"])
def test_django_token_without_a_usable_jti_still_logs_out_for_good(django, jti):
    django.make_user(external_id="77")
    token = django.token(77, jti=jti)
    other = django.token(77, jti=jti, lifetime=301)  # another token of the same kind stays good
    assert django.me(token).status_code == 200
    assert django.client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert_refused(django.me(token), "token_revoked")
    assert django.me(other).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"audience": "another-service"},
        {"issuer": "https://evil.test"},
        {"key": "not-the-shared-secret-but-long-enough"},
    ],
)
def test_django_token_with_wrong_audience_issuer_or_key_is_refused(django, changes):
    django.make_user(external_id="77")
    if "key" in changes and django.app.config["EXTERNAL_JWT_ALGORITHM"] == "RS256":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        changes = {
            "key": other.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
        }
    assert_refused(django.me(django.token(77, **changes)), "token_invalid")


def test_django_expired_token_is_token_expired(django):
    django.make_user(external_id="77")
    assert_refused(django.me(django.token(77, lifetime=-60)), "token_expired")


def test_django_token_of_deactivated_user_is_inactive(django):
    django.make_user(external_id="77", is_active=False)
    assert_refused(django.me(django.token(77)), "inactive")


def test_django_tokens_are_refused_when_not_configured(client, make_user):
    make_user(external_id="77")
    now = int(time.time())
    token = pyjwt.encode(
        {"token_type": "access", "user_id": 77, "exp": now + 300, "jti": "x"}, DJANGO_SECRET, algorithm="HS256"
    )
    assert_refused(client.get(ME, headers=bearer(token)), "token_invalid")


def test_django_alg_none_token_is_refused(django):
    django.make_user(external_id="77")
    claims = {
        "token_type": "access",
        "exp": int(time.time()) + 300,
        "jti": "x",
        "user_id": 77,
        "aud": AUDIENCE,
        "iss": ISSUER,
    }
    assert_refused(django.me(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."), "token_invalid")


def logout_everywhere(django, user_id: int) -> None:
    from campus.users.models import User
    from campus.users.services import logout

    with django.app.app_context():
        logout(db.session.get(User, user_id), {}, everywhere=True)


def test_django_tokens_issued_before_logging_out_everywhere_are_refused(django):
    from datetime import datetime

    from campus.users.models import User

    local = django.make_user(external_id="501")
    before = django.token(501, iat=int(time.time()) - 10)
    assert django.me(before).status_code == 200
    logout_everywhere(django, local)
    assert_refused(django.me(before), "token_revoked")
    assert_refused(django.me(django.token(501, iat=None)), "token_revoked")  # no iat: can't tell
    with django.app.app_context():  # as if the logout was five seconds ago
        db.session.get(User, local).tokens_valid_after = datetime.now(UTC) - timedelta(seconds=5)
        db.session.commit()
    assert django.me(django.token(501)).status_code == 200
    assert_refused(django.me(before), "token_revoked")


def test_django_tokens_issued_before_a_password_change_are_refused(django):
    local = django.make_user(external_id="502", password="old password 1")
    before = django.token(502)
    changed = django.client.post(
        "/api/v1/users/me/password",
        headers=bearer(before),
        json={"current_password": "old password 1", "new_password": "new password 22"},
    )
    assert changed.status_code == 200
    assert_refused(django.me(before), "token_revoked")
    assert local
