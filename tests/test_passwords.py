"""The password policy: a minimum length and no common password, wherever a password is set."""

from __future__ import annotations

import gzip
from importlib.resources import files

import pytest

from orgladder.passwords import common_passwords, is_common

from .factories import PASSWORD


def test_the_list_ships_inside_the_package():
    data = files("orgladder").joinpath("data/common-passwords.txt.gz").read_bytes()
    words = gzip.decompress(data).decode().split()
    assert len(words) > 19_000 and "password" in words and "qwerty123456" in words
    assert common_passwords() == frozenset(words)


@pytest.mark.parametrize("password", [
    "qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "Password1234!", "!!sunshine2024",
    "trustno1trustno1", "123456123456",
])
def test_common_passwords_and_their_decorated_forms_are_refused(password):
    assert is_common(password)


@pytest.mark.parametrize("password", [PASSWORD, "a much longer secret", "orgladder-demo",
                                      "plum kettle orbit"])
def test_ordinary_passphrases_pass(password):
    assert not is_common(password)


def test_changing_to_a_common_password_is_a_field_error(client, org):
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": "qwerty123456",
        "confirm": "qwerty123456"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="new_password-error"' in body and "one of the most common" in body
    client.post_form("/logout", token_from="/")
    assert client.login(org.emp.email, PASSWORD).status_code == 302  # unchanged


def test_hr_cannot_give_a_new_person_a_common_password(client, org):
    client.login(org.hr.email)
    response = client.post_form("/people/new", {
        "name": "Nina New", "email": "nina@acmetest.test", "manager_email": org.mgr.email,
        "password": "iloveyou2024!"})
    assert response.status_code == 422
    assert "one of the most common" in response.get_data(as_text=True)


def test_the_set_password_command_refuses_a_common_password(app, org):
    result = app.test_cli_runner().invoke(args=["set-password", org.emp.email, "--password",
                                                "football12345"])
    assert result.exit_code != 0 and "one of the most common" in result.output


def test_a_long_passphrase_is_accepted_and_works(client, org):
    long_one = "the quiet heron waits by the cold river until the light comes back " * 2
    assert len(long_one) > 128
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": long_one, "confirm": long_one})
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Sign out" in home  # the way out is on every signed-in page
    client.post_form("/logout", token_from="/")
    assert client.get("/me").status_code == 302
    assert client.login(org.emp.email, long_one).status_code == 302
