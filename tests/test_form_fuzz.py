"""Whatever a person types into a form, the answer is a page, never a server error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=600)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(email=TEXT, password=TEXT)
def test_login_form(client, org, email, password):
    response = client.post_form("/login", {"email": email, "password": password})
    assert response.status_code in (302, 422)


@FUZZ
@given(current=TEXT, new=TEXT, confirm=TEXT)
def test_password_form(client, org, current, new, confirm):
    client.login(org.emp.email)
    response = client.post_form("/account/password", {
        "current_password": current, "new_password": new, "confirm": confirm})
    assert response.status_code in (302, 422)


@FUZZ
@given(q=TEXT, page=TEXT, level=TEXT, manager=TEXT)
def test_people_filters(client, org, q, page, level, manager):
    client.login(org.hr.email)
    response = client.get("/people", query_string={"q": q, "page": page, "level": level,
                                                     "manager": manager})
    assert response.status_code == 200
