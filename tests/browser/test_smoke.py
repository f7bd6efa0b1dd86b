"""Sign in as HR, a manager and an employee and open each page, as a person would."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

PAGES = [
    ("home", "/", "Welcome"),
    ("my-level", "/me", "My level"),
    ("ladders", "/ladders", "Career ladders"),
]

USERS = [
    ("hr", "hana@acme.example", True),
    ("manager", "marcus@acme.example", True),
    ("employee", "kenji@acme.example", False),
]


@pytest.mark.parametrize(("role", "email", "sees_people"), USERS)
def test_each_role_opens_its_pages(page, live_server, sign_in, screenshot, role, email,
                                   sees_people):
    sign_in(email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    for name, path, heading in PAGES:
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        screenshot(f"{role}-{name}")

    people_link = page.get_by_role("link", name="People", exact=True)
    if sees_people:
        people_link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("People")
        expect(page.locator("table.people-table tbody tr").first).to_be_visible()
        screenshot(f"{role}-people")
        page.locator("table.people-table tbody a").first.click()
        expect(page.get_by_role("heading", name="Expectations by competency")).to_be_visible()
        screenshot(f"{role}-person")
    else:
        expect(people_link).to_have_count(0)
        response = page.goto(live_server + "/people")
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_ladder_page_opens_a_level(page, live_server, sign_in, screenshot):
    sign_in("kenji@acme.example")
    page.goto(live_server + "/ladders")
    page.get_by_role("link", name="Product Management").click()
    def card(title: str):
        return page.locator("details.level-card", has=page.locator("summary", has_text=title))

    principal = card("Principal Product Manager")
    group = card("Group Product Manager")
    # Equivalent levels share a row: their cards start at the same height.
    assert abs(principal.bounding_box()["y"] - group.bounding_box()["y"]) < 2
    principal.locator("summary").click()
    expect(principal.get_by_text("Strategic thinking")).to_be_visible()
    screenshot("employee-ladder-open-level")


def test_bad_login_shows_one_message(page, live_server, sign_in):
    sign_in("nobody@acme.example", "wrong-password-123")
    expect(page.get_by_text("The email or the password is not right.")).to_be_visible()
    sign_in("kenji@acme.example", "wrong-password-123")
    expect(page.get_by_text("The email or the password is not right.")).to_be_visible()
