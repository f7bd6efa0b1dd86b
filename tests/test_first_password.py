"""A password someone else chose (HR adding a person) is changed at first sign-in: until then
every page sends the person to change it, and the API and tokens are closed to them. The
operator's ``set-password`` sets one chosen with the person, unless told it is temporary."""

from __future__ import annotations

from sqlalchemy import select

from orgladder.actors import OPERATOR_CLI
from orgladder.auth.tokens import create_token
from orgladder.errors import DomainError
from orgladder.extensions import db
from orgladder.people.models import Person

from .api.conftest import Api, assert_problem
from .factories import PASSWORD, make_token

SET_BY_HR = "a password hr chose"
OWN = "my very own passphrase"


def person(email: str) -> Person:
    db.session.expire_all()  # read what the requests committed
    return db.session.scalar(select(Person).where(Person.email == email))


def hr_adds(client, org, email: str = "nina@acmetest.example", password: str = SET_BY_HR):
    client.login(org.hr.email, PASSWORD)
    added = client.post_form("/people/new", {"name": "Nina New", "email": email,
                                             "password": password})
    assert added.status_code == 302
    client.post_form("/logout", {}, token_from="/me")


def test_a_person_hr_gave_a_password_changes_it_before_anything_else(client, org):
    hr_adds(client, org)
    assert person("nina@acmetest.example").must_change_password

    signed_in = client.login("nina@acmetest.example", SET_BY_HR)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/account/password"
    for path in ("/me", "/", "/ladders", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password", path
    page = client.get("/account/password").get_data(as_text=True)
    assert "Your password was set for you" in page and "Choose your own password" in page
    refused = client.post_form("/account/tokens", {"name": "early"}, token_from="/account/password")
    assert refused.status_code == 302 and refused.headers["Location"] == "/account/password"

    changed = client.post_form("/account/password", {
        "current_password": SET_BY_HR, "new_password": OWN, "confirm": OWN})
    assert changed.status_code == 302
    assert client.get("/me").status_code == 200
    assert not person("nina@acmetest.example").must_change_password
    assert client.login("nina@acmetest.example", OWN).headers["Location"] == "/"


def test_they_may_sign_out_before_changing_it(client, org):
    hr_adds(client, org)
    client.login("nina@acmetest.example", SET_BY_HR)
    assert client.post_form("/logout", {}, token_from="/account/password").status_code == 302
    assert client.get("/account/password").status_code == 302  # to the sign-in page now


def test_hr_adding_through_the_api_marks_it_too(client, org):
    made = Api(client, make_token(org.hr)).post("/api/v1/people", json={
        "email": "api.nina@acmetest.test", "name": "Api Nina", "password": SET_BY_HR})
    assert made.status_code == 201
    assert person("api.nina@acmetest.test").must_change_password


def test_no_password_and_the_operators_passwords_are_not_marked(app, client, org):
    hr_adds(client, org, "nopw@acmetest.example", password="")
    assert not person("nopw@acmetest.example").must_change_password
    assert not org.emp.must_change_password  # made with no actor, as create-user does
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--company", org.a.slug, "--email", "cli@acmetest.test", "--name", "C",
        "--role", "employee", "--password", OWN])
    assert result.exit_code == 0, result.output
    assert not person("cli@acmetest.test").must_change_password


def test_no_token_is_made_or_used_before_the_change(client, org):
    secret = make_token(org.emp)
    org.emp.must_change_password = True
    db.session.commit()
    body = assert_problem(Api(client, secret).get("/api/v1/me"), 403, "password-change-required")
    assert "Change your password first" in body["detail"]
    try:
        create_token(OPERATOR_CLI, org.emp, "cli")
    except DomainError as error:
        assert "must change the password" in error.message
    else:
        raise AssertionError("a token was made before the password change")


def test_set_password_marks_it_only_when_temporary(app, ctx, client, org):
    def set_password(*extra):
        result = app.test_cli_runner().invoke(
            args=["set-password", org.emp.email, "--password", OWN, *extra])
        assert result.exit_code == 0, result.output
        return result.output

    assert "must change it" in set_password("--temporary")
    assert person(org.emp.email).must_change_password
    assert client.login(org.emp.email, OWN).headers["Location"] == "/account/password"
    set_password()  # chosen with the person: nothing to change, and it clears the mark
    assert not person(org.emp.email).must_change_password
