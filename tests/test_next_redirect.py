"""The ``next`` of a sign-in: whatever the URL holds, the browser goes to a path on this site or
home, and the redirect never fails."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from flask import redirect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgladder.auth.redirects import safe_next

from .factories import PASSWORD

# Text that looks like the targets attackers try, mixed with arbitrary text.
PIECES = st.sampled_from(["/", "//", "\\", "%", "%2f", "%5c", "%0d%0a", "\r\n", "\t", ":", "@",
                          "http:", "javascript:", "evil.example", "?next=", "#", "%25", "\x00",
                          "\u2028", "\u202e", "ladders", "."])
TARGETS = st.one_of(st.text(), st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=8)
                    .map("".join))


def assert_local_path(kept: str) -> None:
    assert kept.startswith("/") and not kept.startswith("//")
    assert "\\" not in kept
    assert not any(ord(char) < 32 or 127 <= ord(char) < 160 for char in kept)
    parts = urlsplit(kept)
    assert not parts.scheme and not parts.netloc


@settings(max_examples=1000)
@given(TARGETS)
def test_safe_next_keeps_only_local_paths_and_they_redirect(app, target):
    kept = safe_next(target)
    if kept is None:
        return
    assert_local_path(kept)
    with app.test_request_context("/login"):
        response = redirect(kept)
        headers = response.get_wsgi_headers({"SERVER_NAME": "localhost", "SERVER_PORT": "80",
                                             "wsgi.url_scheme": "http"})
        location = headers["Location"]
        location.encode("latin-1")  # what the WSGI server must send; a failure here is a 500
        assert "\r" not in location and "\n" not in location
        assert not urlsplit(location).netloc


@pytest.mark.parametrize("target", [
    "/%0d%0aX:1", "/\r\nX:1", "/%0aSet-Cookie:x=1", "//evil.example", "/\\evil.example",
    "/%2F%2Fevil.example", "/%5Cevil.example", "/%252F%252Fevil.example", "/\t/evil.example",
    "https://evil.example", "https:evil.example", "\\\\evil.example", "/\u202eelpmaxe.live",
])
def test_doubtful_targets_are_dropped(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/ladders", "/people?q=a%20b&page=2", "/me#levels",
                                    "/ladders/3/levels/7"])
def test_local_paths_are_kept(target):
    assert safe_next(target) == target


def test_the_reported_url_signs_in_and_goes_home(client, org):
    """``/login?next=/%0d%0aX:1`` used to answer 500 after a successful sign-in."""
    response = client.post_form("/login?next=/%0d%0aX:1",
                                {"email": org.emp.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "X" not in response.headers


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TARGETS)
def test_a_sign_in_with_any_next_never_fails(client, org, target):
    client._cookies.clear()  # a fresh browser for each example
    token = client.csrf_token("/login")
    response = client.post("/login?next=" + quote(target, safe=""),
                           data={"csrf_token": token, "email": org.emp.email,
                                 "password": PASSWORD})
    if "\x00" in target:  # no text holds a NUL byte: refused up front (security.py)
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert not urlsplit(response.headers["Location"]).netloc
