"""A manager assigns a level with a reason; the employee then sees it and its expectations."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect


def test_manager_assigns_and_employee_sees_the_new_level(page, live_server, sign_in, screenshot):
    sign_in("priya@acme.example")
    page.goto(live_server + "/people")
    page.get_by_role("link", name="Tom Becker").click()
    page.get_by_role("button", name="Assign a level").click()
    page.get_by_label("Level", exact=True).select_option(label="P2 Product Manager")
    page.get_by_label("Effective date").fill(date.today().isoformat())
    page.get_by_label("Reason").fill("Ships the checkout redesign on his own")
    screenshot("manager-assign-level-form")
    page.get_by_role("button", name="Assign the level").click()
    expect(page.get_by_role("status")).to_contain_text("Tom Becker holds P2 Product Manager")
    expect(page.get_by_text("Ships the checkout redesign on his own")).to_be_visible()
    screenshot("manager-person-after-assign")

    page.context.clear_cookies()
    sign_in("tom@acme.example")
    page.goto(live_server + "/me")
    expect(page.locator("#current-level")).to_contain_text("P2 Product Manager")
    expect(page.get_by_role("heading", name="Expectations by competency")).to_be_visible()
    expect(page.locator("table.expectations tbody tr")).to_have_count(7)
    history = page.locator("ol.timeline li").first
    expect(history).to_contain_text("Promotion")
    expect(history).to_contain_text("Decided by Priya Natarajan: Ships the checkout redesign")
    expect(page.get_by_text("What changes from P2 to P3")).to_be_visible()
    screenshot("employee-my-level-after-assign")
    # an employee cannot open anyone else's level
    assert page.goto(live_server + "/people").status == 403
