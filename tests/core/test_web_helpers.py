"""What every domain's pages share (campus.core.forms, campus.core.pages): errors on forms, the
page guards and the links between keyset pages."""

from __future__ import annotations

from flask import Blueprint, g
from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from wtforms import StringField

from campus.core.errors import Conflict
from campus.core.forms import add_field_errors, schema_errors, show_error
from campus.core.pages import page_links, page_permission_required


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


class NameSchema(Schema):
    name = fields.String(validate=validate.Length(min=2))


def test_field_errors_go_next_to_their_fields_and_the_rest_on_top(app):
    with app.test_request_context():
        form = NameForm(data={"name": "x"})
        add_field_errors(form, {"name": ["Too short."], "_schema": "Whole form.", "errors": ["Not a field."]})
        assert form.name.errors == ["Too short."]
        assert form.form_errors == ["Whole form.", "Not a field."]


def test_a_service_error_without_fields_goes_on_the_named_field_or_on_top(app):
    with app.test_request_context():
        form = NameForm()
        show_error(form, Conflict("Taken.", fields={"name": ["Already in use."]}))
        show_error(form, Conflict("Taken."), field="name")
        show_error(form, Conflict("Busy."))
        assert form.name.errors == ["Already in use.", "Taken."]
        assert form.form_errors == ["Busy."]


def test_schema_errors_loads_or_puts_the_schemas_messages_on_the_form(app):
    with app.test_request_context():
        form = NameForm()
        assert schema_errors(form, NameSchema(), {"name": "Ann"}) == {"name": "Ann"}
        assert schema_errors(form, NameSchema(), {"name": "A", "other": 1}) is None
        assert form.name.errors == ["Shorter than minimum length 2."]
        assert form.form_errors == ["Unknown field."]


def test_page_links_keep_the_filters_and_drop_the_cursor(app):
    with app.test_request_context("/admin/users?q=ann&role=&cursor=abc"):
        links = page_links("admin.users_list", "next123")
    assert links == {"next": "/admin/users?q=ann&cursor=next123", "prev": None, "first": "/admin/users?q=ann"}
    with app.test_request_context("/admin/users?q=ann"):
        assert page_links("admin.users_list", None) == {"next": None, "prev": None, "first": None}
    with app.test_request_context("/admin/users?q=ann&cursor=abc"):
        assert page_links("admin.users_list", None, "back1")["prev"] == "/admin/users?q=ann&cursor=back1"


def test_the_page_guards_send_strangers_to_sign_in_and_refuse_the_unpermitted(app, client, make_user, auth):
    # A guarded page of no domain: the guards live in core and read only g.current_user.
    bp = Blueprint("guarded", __name__)

    @bp.route("/guarded")
    @page_permission_required("directory.write")
    def guarded():
        return f"hello {g.current_user.id}"

    app.register_blueprint(bp)
    response = client.get("/guarded", headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/guarded")
    for role, status in (("user", 403), ("admin", 200)):
        user_id = make_user(role)
        browser = app.test_client()
        tokens = auth.tokens(user_id)
        browser.set_cookie(app.config["JWT_ACCESS_COOKIE_NAME"], tokens["access_token"])
        assert browser.get("/guarded", headers={"Accept": "text/html"}).status_code == status
