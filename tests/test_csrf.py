"""With CSRF protection on (as in production), every form endpoint refuses a submission that
lacks the token, and the refused submission changes nothing. The API is exempt from CSRF
because the browser's cookies never authenticate it: each of its writes, sent by a signed-in
browser without a bearer token, is refused and changes nothing."""

from __future__ import annotations

import pytest

from .factories import PASSWORD
from .test_audit_coverage import last_event_id, send, send_api
from .write_examples import (
    API_EXAMPLES,
    FORM_EXAMPLES,
    SIGNED_LINK_EXAMPLES,
    csrf_exempt_endpoints,
    write_endpoints,
)


def test_csrf_protection_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.extensions["csrf"] is not None


def test_every_write_endpoint_is_checked_the_way_it_is_protected(app):
    """A form endpoint needs a form example (its CSRF token is checked); an endpoint exempt
    from CSRF needs an API example (the session cookie must not authenticate it)."""
    writes, exempt = write_endpoints(app), csrf_exempt_endpoints(app)
    assert writes - exempt == set(FORM_EXAMPLES), "add a form example to write_examples.py"
    assert writes & exempt == set(API_EXAMPLES) | set(SIGNED_LINK_EXAMPLES), (
        "add an API example to write_examples.py")


def test_the_check_catches_a_new_exempt_write_endpoint(database_url):
    from orgladder import create_app
    from orgladder.access import Permission, requires
    from orgladder.extensions import csrf

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.post("/canary")
    @requires(Permission.VIEW_SELF)
    @csrf.exempt
    def canary():
        return "written with nothing but a cookie"

    try:
        assert write_endpoints(app) & csrf_exempt_endpoints(app) - set(API_EXAMPLES) - set(
            SIGNED_LINK_EXAMPLES) == {
            "canary"}
    finally:
        csrf._exempt_views.discard(f"{canary.__module__}.{canary.__name__}")


@pytest.mark.parametrize("endpoint", sorted(FORM_EXAMPLES))
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_form_without_its_token_is_refused(client, org, endpoint, token):
    example = FORM_EXAMPLES[endpoint]
    _, path, real = send(client, org, example)
    data = example.data(org)
    if token == "forged":
        data["csrf_token"] = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    before = last_event_id()
    response = client.post(path, data=data,
                           content_type="multipart/form-data" if example.files else None)
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert last_event_id() == before  # nothing was written, not even an audit event


@pytest.mark.parametrize("endpoint", sorted(API_EXAMPLES))
def test_an_api_write_with_only_the_session_cookie_is_refused(client, org, endpoint):
    example = API_EXAMPLES[endpoint]
    actor, path, headers = send_api(client, org, example)
    del headers["Authorization"]  # what a page on another site makes the browser send
    client.login(actor.email, PASSWORD)
    assert client.get("/").status_code == 200  # the cookie does sign the browser in
    before = last_event_id()
    response = client.open(path, method=example.method, json=example.data(org),
                           headers=headers)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert last_event_id() == before  # nothing was written, not even an audit event
