"""Every API token expires: 90 days by default, chosen at creation on the page or the command
line (a year at most), shown with its last use; an expired token is refused with a 401 that
says when it expired."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from orgladder.auth.tokens import ApiToken
from orgladder.extensions import db

from ..factories import PASSWORD, make_token
from .conftest import Api, assert_problem

SECRET = re.compile(r'value="(olt_[A-Za-z0-9_-]+)"')
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def only_token(person) -> ApiToken:
    db.session.expire_all()
    (token,) = db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id))
    return token


def make_on_page(client, org, **choice):
    client.login(org.emp.email, PASSWORD)
    return client.post_form("/account/tokens", {"name": "sync", **choice})


@freeze_time(START)
def test_a_token_lives_90_days_unless_told_otherwise(client, org):
    made = make_on_page(client, org)
    assert made.status_code == 201
    assert "It expires on 31 May 2026 at 09:00 UTC" in made.get_data(as_text=True)
    assert only_token(org.emp).expires_at == START + timedelta(days=90)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "31 May 2026 09:00 UTC" in page and "Never" in page  # expiry and last use


@freeze_time(START)
@pytest.mark.parametrize("days", [30, 60, 180, 365])
def test_the_page_offers_lifetimes(client, org, days):
    assert make_on_page(client, org, expires_in=str(days)).status_code == 201
    assert only_token(org.emp).expires_at == START + timedelta(days=days)


@freeze_time(START)
def test_the_page_takes_a_date_and_the_token_works_through_that_day(client, org):
    assert make_on_page(client, org, expires_in="date",
                        expires_on="2026-04-15").status_code == 201
    assert only_token(org.emp).expires_at == datetime(2026, 4, 16, tzinfo=UTC)


@freeze_time(START)
@pytest.mark.parametrize(("choice", "message"), [
    ({"expires_in": "400"}, "Not a valid choice"),
    ({"expires_in": "date"}, "Give the expiry date"),
    ({"expires_in": "date", "expires_on": "2027-03-03"}, "Choose an expiry date from today to "
                                                         "2 Mar 2027"),
    ({"expires_in": "date", "expires_on": "2026-03-01"}, "Choose an expiry date"),
    ({"expires_in": "date", "expires_on": "not a date"}, "Not a valid date"),
])
def test_the_page_refuses_a_lifetime_out_of_bounds(client, org, choice, message):
    refused = make_on_page(client, org, **choice)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert message in body and 'value="sync"' in body  # what was typed is kept
    assert db.session.scalars(select(ApiToken)).all() == []


def test_an_expired_token_is_refused_saying_when(client, org):
    with freeze_time(START) as clock:
        secret = make_token(org.emp)
        clock.tick(timedelta(days=90) - timedelta(seconds=1))
        assert Api(client, secret).get("/api/v1/me").status_code == 200
        clock.tick(timedelta(seconds=1))
        refused = Api(client, secret).get("/api/v1/me")
        body = assert_problem(refused, 401)
        assert body["detail"].startswith("The token expired on 31 May 2026 at 09:00 UTC.")
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
        client.login(org.emp.email, PASSWORD)
        assert "Expired 31 May 2026" in client.get("/account/tokens").get_data(as_text=True)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["create-token", *args])


@freeze_time(START)
def test_the_command_line_takes_expires_in_days(app, ctx, org):
    default = run(app, org.emp.email)
    assert default.exit_code == 0 and "expiring on 31 May 2026 at 09:00 UTC" in default.output
    assert run(app, org.mgr.email, "--expires-in-days", "7").exit_code == 0
    assert only_token(org.mgr).expires_at == START + timedelta(days=7)
    for days in ("0", "366"):
        refused = run(app, org.hr.email, "--expires-in-days", days)
        assert refused.exit_code != 0 and "from 1 to 365 days" in refused.output
    assert run(app, org.hr.email, "--expires-in-days", "many").exit_code != 0
