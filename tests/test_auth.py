"""Signing in and out, sessions, passwords and CSRF, driven through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orgladder.audit import AuditEvent
from orgladder.auth.models import AuthSession
from orgladder.extensions import db

from .factories import PASSWORD

BAD_LOGIN = "The email or the password is not right."


def test_sign_in_lands_on_home(client, org):
    response = client.login(org.emp.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome, Eli" in client.get("/").get_data(as_text=True)


def test_email_is_case_insensitive(client, org):
    assert client.login(org.emp.email.upper()).status_code == 302


@pytest.mark.parametrize("who", ["unknown", "wrong_password", "deactivated"])
def test_failed_sign_in_says_the_same_thing(client, org, who):
    email = {"unknown": "nobody@acmetest.test", "wrong_password": org.emp.email,
             "deactivated": org.peer.email}[who]
    password = "not the password" if who == "wrong_password" else PASSWORD
    if who == "deactivated":
        org.peer.active = False
        db.session.commit()
    response = client.login(email, password)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert BAD_LOGIN in body
    assert client.get("/").status_code == 302  # still signed out
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "auth.login_failed")
    ) == 1


def test_empty_form_shows_field_errors(client, org):
    response = client.post_form("/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client, org):
    response = client.post("/login", data={"email": org.emp.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/ladders", "/ladders"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("http:/evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_goes_only_to_local_paths(client, org, target, lands_on):
    token = client.csrf_token("/login")
    response = client.post("/login", query_string={"next": target},
                           data={"csrf_token": token, "email": org.emp.email,
                                 "password": PASSWORD})
    assert response.headers["Location"] == lands_on


def test_protected_page_sends_to_login_with_next(client, org):
    response = client.get("/people")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_starts_a_new_session(client, org):
    client.get("/login")
    before = client.get_cookie("orgladder_session").value
    client.login(org.emp.email)
    assert client.get_cookie("orgladder_session").value != before


def test_captured_cookie_is_dead_after_sign_out(app, client, org):
    client.login(org.emp.email)
    captured = client.get_cookie("orgladder_session").value
    assert client.get("/me").status_code == 200
    token = client.csrf_token("/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = app.test_client()
    thief.set_cookie("orgladder_session", captured)
    response = thief.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(AuthSession.id))) == 0


def test_deactivation_ends_access_on_the_next_request(client, org):
    client.login(org.emp.email)
    assert client.get("/me").status_code == 200
    org.emp.active = False
    db.session.commit()
    assert client.get("/me").status_code == 302


def test_change_password(app, client, org):
    other_device = app.test_client()
    other_device.login(org.emp.email)
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": "a much longer secret",
        "confirm": "a much longer secret"})
    assert response.status_code == 302
    assert other_device.get("/me").status_code == 302  # other sessions are ended
    assert client.get("/me").status_code == 200  # this one goes on

    client.post_form("/logout", token_from="/")
    assert client.login(org.emp.email, PASSWORD).status_code == 422
    assert client.login(org.emp.email, "a much longer secret").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong current password", "a much longer secret", "a much longer secret",
         "That is not your current password."),
        (PASSWORD, "short", "short", "Use at least 12 characters."),
        (PASSWORD, "a much longer secret", "something else entirely", "The passwords differ."),
        (PASSWORD, PASSWORD, PASSWORD, "different from the current one"),
    ],
)
def test_change_password_refusals(client, org, current, new, confirm, message):
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": current, "new_password": new, "confirm": confirm})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    client.post_form("/logout", token_from="/")
    assert client.login(org.emp.email, PASSWORD).status_code == 302  # unchanged


def test_hash_is_upgraded_when_cost_settings_change(app, client, org):
    old_hash = org.emp.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    try:
        client.login(org.emp.email)
    finally:
        app.config["ARGON2_TIME_COST"] = 1
    db.session.expire_all()
    assert org.emp.password_hash != old_hash
    assert "t=2" in org.emp.password_hash
