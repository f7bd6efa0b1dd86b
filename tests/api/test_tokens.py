"""Personal access tokens: made on the settings page or the command line, stored hashed,
listed with their last use, revoked by hand, by a password change or by deactivation; only
a bearer token authenticates the API, and a read-only token only reads."""

from __future__ import annotations

import re

from sqlalchemy import select

from orgladder.actors import SYSTEM_SEED
from orgladder.auth.tokens import ApiToken
from orgladder.extensions import db

from ..factories import PASSWORD, make_token
from .conftest import Api, assert_problem

SECRET = re.compile(r'value="(olt_[A-Za-z0-9_-]+)"')


def tokens_of(person) -> list[ApiToken]:
    db.session.expire_all()  # read what the requests committed
    return list(db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)))


def test_the_settings_page_makes_a_token_shown_once(client, org):
    client.login(org.emp.email, PASSWORD)
    assert "You have no tokens yet" in client.get("/account/tokens").get_data(as_text=True)
    made = client.post_form("/account/tokens", {"name": "HR sync"})
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    assert "not shown again" in page

    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "HR sync" in listed and "Never" in listed and "Read and write" in listed
    assert secret not in listed  # shown once only
    assert secret[:10] in listed  # but recognisable by its start

    stored = tokens_of(org.emp)[0]
    assert stored.token_hash != secret and secret not in stored.token_hash
    me = Api(client, secret).get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["email"] == org.emp.email
    assert tokens_of(org.emp)[0].last_used_at is not None
    assert "Never" not in client.get("/account/tokens").get_data(as_text=True)


def test_the_settings_page_refuses_a_nameless_token_and_a_forged_form(client, org):
    client.login(org.emp.email, PASSWORD)
    nameless = client.post_form("/account/tokens", {"name": "  "})
    assert nameless.status_code == 422 and tokens_of(org.emp) == []
    forged = client.post("/account/tokens", data={"name": "from elsewhere"})
    assert forged.status_code == 400 and tokens_of(org.emp) == []


def test_revoking_on_the_settings_page_ends_the_token(client, org):
    secret = make_token(org.emp, name="old script")
    token = tokens_of(org.emp)[0]
    client.login(org.emp.email, PASSWORD)
    done = client.post_form(f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    assert done.status_code == 302
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)
    refused = assert_problem(Api(client, secret).get("/api/v1/me"), 401)
    assert "revoked" in refused["detail"]


def test_nobody_revokes_someone_elses_token(client, org):
    make_token(org.emp)
    token = tokens_of(org.emp)[0]
    client.login(org.hr.email, PASSWORD)
    refused = client.post_form(f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    assert refused.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_read_only_token_reads_and_never_writes(api, org):
    reader = api(org.hr, read_only=True)
    assert reader.get("/api/v1/people").status_code == 200
    body = assert_problem(reader.post("/api/v1/people", json={"email": "x@acmetest.test",
                                                              "name": "X"}), 403,
                          "read-only-token")
    assert "read-only" in body["detail"]
    level = org.ladder_a.tracks[0].levels[0]
    path = f"/api/v1/ladders/{org.ladder_a.id}/levels/{level.id}"
    assert_problem(reader.patch(path, json={"title": "Changed"},
                                headers={"If-Match": reader.get(path).headers["ETag"]}), 403)
    assert api(org.hr).get(path).get_json()["title"] != "Changed"


def test_missing_malformed_and_unknown_tokens_are_401_with_a_challenge(client, org):
    missing = assert_problem(client.get("/api/v1/people"), 401)
    assert "Bearer" in missing["detail"]
    assert client.get("/api/v1/people").headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.get("/api/v1/people", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert "Bearer scheme" in assert_problem(basic, 401)["detail"]
    unknown = Api(client, "olt_" + "x" * 43).get("/api/v1/people")
    assert_problem(unknown, 401)
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    assert_problem(Api(client, "not even shaped like one").get("/api/v1/people"), 401)


def test_a_browser_session_does_not_authenticate_the_api(client, org):
    """A signed-in browser carries no authority under /api/v1, so another site cannot make it
    write there (no CSRF hole); the API in turn needs no CSRF token."""
    client.login(org.hr.email, PASSWORD)
    assert client.get("/people").status_code == 200  # the cookie works on the pages
    assert_problem(client.get("/api/v1/me"), 401)
    forged = client.post("/api/v1/people", json={"email": "csrf@acmetest.test", "name": "C"})
    assert_problem(forged, 401)
    with_token = Api(client, make_token(org.hr)).post(
        "/api/v1/people", json={"email": "script@acmetest.test", "name": "Made By Script"})
    assert with_token.status_code == 201  # no CSRF token needed with a bearer token


def test_a_token_does_not_open_the_pages(client, org):
    secret = make_token(org.hr)
    page = client.get("/people", headers={"Authorization": f"Bearer {secret}"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_deactivation_revokes_the_persons_tokens_for_good(client, api, org):
    secret = make_token(org.emp2)
    assert Api(client, secret).get("/api/v1/me").status_code == 200
    client.login(org.hr.email, PASSWORD)
    page = f"/people/{org.emp2.id}"
    assert client.post_form(f"{page}/deactivate", token_from=page).status_code == 302
    assert_problem(Api(client, secret).get("/api/v1/me"), 401)
    assert all(token.revoked_at is not None for token in tokens_of(org.emp2))
    assert client.post_form(f"{page}/reactivate", token_from=page).status_code == 302
    assert_problem(Api(client, secret).get("/api/v1/me"), 401)  # reactivation revives none


def test_a_password_change_revokes_every_token(client, org):
    first, second = make_token(org.emp), make_token(org.emp, read_only=True)
    client.login(org.emp.email, PASSWORD)
    changed = client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": "another long secret",
        "confirm": "another long secret"})
    assert changed.status_code == 302
    for secret in (first, second):
        assert_problem(Api(client, secret).get("/api/v1/me"), 401)


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_the_cli_prints_the_token_alone_on_the_last_line(app, client, org):
    result = run(app, "create-token", org.hr.email, "--name", "HRIS sync")
    assert result.exit_code == 0, result.output
    secret = result.output.rstrip("\n").splitlines()[-1]
    assert secret.startswith("olt_") and " " not in secret
    people = Api(client, secret).get("/api/v1/people")
    assert people.status_code == 200 and people.get_json()["total"] == 8
    assert [t.name for t in tokens_of(org.hr)] == ["HRIS sync"]


def test_the_cli_makes_read_only_tokens_and_refuses_unknown_or_deactivated_people(app, client,
                                                                                  org):
    result = run(app, "create-token", org.emp.email, "--read-only")
    assert result.exit_code == 0, result.output
    secret = result.output.splitlines()[-1]
    assert "read-only" in result.output
    assert Api(client, secret).get("/api/v1/me").status_code == 200
    assert_problem(Api(client, secret).post(f"/api/v1/people/{org.emp2.id}/assignments",
                                            json={}), 403, "read-only-token")
    assert tokens_of(org.emp)[0].name == "Command line"

    unknown = run(app, "create-token", "ghost@acmetest.test")
    assert unknown.exit_code != 0 and "ghost@acmetest.test" in unknown.output
    from orgladder.people import hr

    hr.set_active(SYSTEM_SEED, org.peer, False)
    db.session.commit()
    inactive = run(app, "create-token", org.peer.email)
    assert inactive.exit_code != 0 and "deactivated" in inactive.output
    assert tokens_of(org.peer) == []


def test_setting_a_password_from_the_cli_revokes_tokens(app, client, org):
    secret = make_token(org.emp)
    result = run(app, "set-password", org.emp.email, "--password", "a fresh long secret")
    assert result.exit_code == 0 and "revoked" in result.output
    assert_problem(Api(client, secret).get("/api/v1/me"), 401)


def test_token_events_are_audited(api, client, org):
    client.login(org.emp.email, PASSWORD)
    client.post_form("/account/tokens", {"name": "audited", "read_only": "y"})
    token = tokens_of(org.emp)[0]
    assert token.read_only
    client.post_form(f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    events = api(org.hr).get(f"/api/v1/audit?target_type=Person&target_id={org.emp.id}")
    actions = [event["action"] for event in events.get_json()["items"]]
    assert actions[:2] == ["token.revoke", "token.create"]
