"""Whatever a person types into a form, the answer is a page, never a server error."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_audit_coverage import send
from .write_examples import WRITE_EXAMPLES

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=600)
def answers(*values: str, ok: tuple[int, ...]) -> tuple[int, ...]:
    """A NUL byte is refused outright (400); anything else gets the page's usual answers."""
    return (400,) if any("\x00" in value for value in values) else ok


FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(email=TEXT, password=TEXT)
def test_login_form(client, org, email, password):
    response = client.post_form("/login", {"email": email, "password": password})
    assert response.status_code in answers(email, password, ok=(302, 422))


@FUZZ
@given(current=TEXT, new=TEXT, confirm=TEXT)
def test_password_form(client, org, current, new, confirm):
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": current, "new_password": new, "confirm": confirm})
    assert response.status_code in answers(current, new, confirm, ok=(302, 422))


@FUZZ
@given(q=TEXT, page=TEXT, level=TEXT, manager=TEXT)
def test_people_filters(client, org, q, page, level, manager):
    client.login(org.hr.email)
    response = client.get("/people", query_string={"q": q, "page": page, "level": level,
                                                     "manager": manager})
    assert response.status_code in answers(q, page, level, manager, ok=(200,))


def test_nul_bytes_are_refused_before_any_query(client, org):
    response = client.post_form("/login", {"email": "a\x00b@example.test", "password": "x"})
    assert response.status_code == 400
    assert client.get("/login", query_string={"next": "\x00"}).status_code == 400


FORMS = sorted(name for name, example in WRITE_EXAMPLES.items() if not example.api)
ANY_FIELD = st.one_of(TEXT, st.integers(min_value=-2**63, max_value=2**63).map(str),
                      st.sampled_from(["", "0", "-1", "2025-02-30", "99999999999999999999"]))
FORM_FUZZ = settings(max_examples=12, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("endpoint", FORMS)
def test_every_form_answers_random_input_without_a_server_error(client, org, endpoint):
    """Each form of ``write_examples`` (so every form there is), its fields filled at random and
    its files replaced by random bytes: a page or a refusal, never a 500."""
    example = WRITE_EXAMPLES[endpoint]
    _, path, token = send(client, org, example)  # the token stays good for the session
    fields = example.data(org)

    @FORM_FUZZ
    @given(values=st.fixed_dictionaries({
        name: st.binary(max_size=2000) if isinstance(value, tuple) else ANY_FIELD
        for name, value in fields.items()}))
    def submit(values):
        data = {name: (io.BytesIO(value), "upload.csv") if isinstance(value, bytes) else value
                for name, value in values.items()}
        response = client.post(path, data={**data, "csrf_token": token},
                               content_type="multipart/form-data" if example.files else None)
        assert response.status_code < 500, (endpoint, values)

    submit()
