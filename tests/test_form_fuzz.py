"""Whatever a person types into a form, the answer is a page, never a server error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
