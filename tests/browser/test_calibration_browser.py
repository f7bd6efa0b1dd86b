"""A small calibration end to end: HR sets up a cycle for Marcus's group, Marcus and Priya
prepare their reports' entries, the session shows the 9-box and the distribution, HR
finalizes, and Lena sees her new level and nothing of the calibration."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from .conftest import ARTIFACTS

NOTE = "Led the billing migration across three teams"


def fill_entry(page, name: str, level: str, performance: str, potential: str,
               ready: bool = False) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_label("Proposed level").select_option(label=level)
    page.get_by_label("Performance").select_option(label=performance)
    page.get_by_label("Potential").select_option(label=potential)
    if ready:
        page.get_by_label("Ready for promotion").check()
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name}'s entry is saved.")


def test_a_small_cycle_from_setup_to_the_employees_new_level(page, live_server, sign_in,
                                                             screenshot):
    # HR sets the cycle up and groups everyone below Marcus into one session.
    sign_in("hana@acme.example")
    page.get_by_role("link", name="Calibrations").click()
    page.get_by_role("button", name="Set up a cycle").click()
    page.get_by_label("Name").fill("Platform Q4 check-in")
    page.get_by_label("Population").select_option(label="Below Marcus Webb")
    page.get_by_label("Period from").fill("2026-10-01")
    page.get_by_label("Period to").fill("2026-12-31")
    page.get_by_label("Preparation due").fill("2026-12-10")
    page.get_by_label("Target distribution (optional)").fill("10, 20, 40, 20, 10")
    screenshot("calibration-hr-cycle-setup")
    page.get_by_role("button", name="Create the cycle").click()
    expect(page.get_by_role("status")).to_contain_text("Platform Q4 check-in is set up")
    cycle_url = page.url
    page.get_by_role("button", name="Add a session").click()
    page.get_by_label("Name").fill("Platform")
    page.get_by_role("checkbox", name="Marcus Webb").check()
    page.get_by_role("checkbox", name="Priya Natarajan").check()
    page.get_by_role("button", name="Add the session").click()
    expect(page.locator("table.sessions")).to_contain_text("7")
    page.get_by_role("button", name="Open preparation").click()
    expect(page.get_by_role("status")).to_contain_text("is open for preparation")
    screenshot("calibration-hr-cycle-preparation")

    # Two managers fill in their reports' entries.
    page.context.clear_cookies()
    sign_in("marcus@acme.example")
    page.goto(cycle_url)
    page.get_by_role("link", name="Prepare 7 entries for your reports").click()
    fill_entry(page, "Aisha Khan", "P4 Principal Product Manager (next)",
               "5 · Far exceeds expectations", "High", ready=True)
    page.get_by_role("link", name="Prepare").click()
    fill_entry(page, "Diego Alvarez", "P4 Principal Product Manager (now)",
               "4 · Exceeds expectations", "Medium")

    page.context.clear_cookies()
    sign_in("priya@acme.example")
    page.goto(cycle_url)
    page.get_by_role("link", name="Prepare 4 entries for your reports").click()
    fill_entry(page, "Lena Fischer", "P3 Senior Product Manager (next)",
               "4 · Exceeds expectations", "High", ready=True)
    page.get_by_label("Add a note").fill(NOTE)
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("ol.notes")).to_contain_text(NOTE)
    screenshot("calibration-manager-entry-with-note")
    page.get_by_role("link", name="Prepare").click()
    fill_entry(page, "Sam Okafor", "P3 Senior Product Manager (now)",
               "3 · Meets expectations", "Medium")
    page.get_by_role("link", name="Prepare").click()
    expect(page.locator("main")).to_contain_text("2 of 4 prepared")

    # HR starts the session: the distribution and the 9-box place everyone prepared.
    page.context.clear_cookies()
    sign_in("hana@acme.example")
    page.goto(cycle_url)
    page.get_by_role("button", name="Start the session").click()
    page.get_by_role("link", name="Platform", exact=True).click()
    expect(page.get_by_role("heading", name="Session Platform")).to_be_visible()
    ratings = page.locator("svg.pairs").first
    expect(ratings).to_be_visible()
    expect(ratings.locator("rect.bar-first")).to_have_count(5)
    expect(ratings).to_contain_text("target 40%")
    nine_box = page.locator("table.nine-box")
    expect(nine_box).to_be_visible()
    star = nine_box.locator("td.box-p2-q2")
    expect(star).to_contain_text("Aisha Khan")
    expect(star).to_contain_text("Lena Fischer")
    expect(nine_box.locator("td.box-p1-q1")).to_contain_text("Sam Okafor")
    expect(page.locator("main")).to_contain_text("3 people have no performance or potential yet")
    screenshot("calibration-hr-session")
    nine_box.screenshot(path=str(ARTIFACTS / "calibration-nine-box.png"))

    # HR finalizes: two promotions become level decisions.
    page.goto(cycle_url)
    page.get_by_role("button", name="Finalize…").click()
    expect(page.get_by_role("heading", name="2 level changes")).to_be_visible()
    screenshot("calibration-hr-finalize")
    page.get_by_role("button", name="Finalize and apply 2 level changes").click()
    expect(page.get_by_role("status")).to_contain_text("is finalized")
    expect(page.locator(".stepper li.current")).to_have_text("Finalized")

    # Lena sees her new level, decided with the cycle as the reason, and no calibration.
    page.context.clear_cookies()
    sign_in("lena@acme.example")
    page.goto(live_server + "/me")
    expect(page.locator("#current-level")).to_contain_text("P3 Senior Product Manager")
    history = page.locator("ol.timeline li").first
    expect(history).to_contain_text("Promotion")
    expect(history).to_contain_text("Decided by Hana Reyes: Platform Q4 check-in")
    expect(history).to_contain_text(date.today().strftime("%-d %B %Y"))
    main = page.locator("main")
    expect(main).not_to_contain_text(NOTE)
    expect(main).not_to_contain_text("Exceeds expectations")
    expect(page.get_by_role("link", name="Calibrations")).to_have_count(0)
    screenshot("calibration-employee-after")
    assert page.goto(live_server + "/calibrations").status == 403
