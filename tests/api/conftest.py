"""Calling the API as a script would: a bearer token per person, JSON in and out."""

from __future__ import annotations

import pytest

from ..factories import make_token


class Api:
    """A test client that sends one person's token with every request."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def open(self, method: str, path: str, *, json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.open("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.open("PATCH", path, json=json, **kwargs)

    def patch_fresh(self, path, json):
        """PATCH with the ETag of a GET made just before (the normal way to edit)."""
        etag = self.get(path).headers["ETag"]
        return self.patch(path, json=json, headers={"If-Match": etag})


@pytest.fixture
def api(client, org):
    """``api(person)`` calls as ``person``; ``api(None)`` sends no token."""
    made: dict[tuple[int, bool], str] = {}

    def as_person(person, *, read_only: bool = False) -> Api:
        if person is None:
            return Api(client, None)
        key = (person.id, read_only)
        if key not in made:
            made[key] = make_token(person, read_only=read_only)
        return Api(client, made[key])

    return as_person


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    """An RFC 9457 problem with this status (and kind)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    assert body["type"] == (f"urn:orgladder:problem:{kind}" if kind else body["type"])
    assert body["instance"] == response.request.path
    return body
