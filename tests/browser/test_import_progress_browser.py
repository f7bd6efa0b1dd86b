"""HR applies an import and watches its progress bar fill, phase by phase."""

from __future__ import annotations

import threading

from playwright.sync_api import expect

from orgladder.demo import email_of
from orgladder.people import progress

ROWS = """email,name,manager_email,level,profession_start,roles
rosa@acme.example,Rosa Lind,julia@acme.example,P2,2019-04-01,
omar@acme.example,Omar Haddad,julia@acme.example,P1,2024-02-01,
"""


def test_the_progress_bar_shows_the_running_import(own_server, page, sign_in, screenshot,
                                                    monkeypatch, tmp_path):
    # Hold the import at one phase until the page has shown it: without this the import of a
    # few rows ends before the first poll and there is no bar to look at.
    paused, resume = threading.Event(), threading.Event()
    report = progress.MemoryProgress.report

    def report_and_hold(self, batch_id, done, total, phase):
        report(self, batch_id, done, total, phase)
        if phase == "Recording levels":
            paused.set()
            resume.wait(timeout=30)

    monkeypatch.setattr(progress.MemoryProgress, "report", report_and_hold)
    upload = tmp_path / "new-growth-hires.csv"
    upload.write_text(ROWS)

    sign_in(email_of("hana"), base=own_server)
    page.goto(f"{own_server}/people/import")
    page.get_by_label("CSV or XLSX file").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dry run: nothing is written yet")
    page.get_by_role("button", name="Apply the import").click()

    assert paused.wait(timeout=30), "the import never reached its levels"
    bar = page.locator("#import-progress-bar")
    expect(page.locator(".import-phase")).to_have_text("Recording levels")
    expect(bar).to_have_attribute("value", "67")  # step 4 of 6
    expect(page.get_by_role("button", name="Apply the import")).to_be_disabled()
    screenshot("import-progress-running")
    resume.set()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import applied")
    expect(page.get_by_role("status")).to_contain_text("Import applied: 2 added")
    screenshot("import-progress-done")
