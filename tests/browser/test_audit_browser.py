"""HR opens the audit log from the navigation, filters it and downloads the CSV."""

from __future__ import annotations

from playwright.sync_api import expect


def test_hr_filters_and_exports_the_audit_log(page, live_server, sign_in, screenshot):
    sign_in("hana@acme.example")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
    screenshot("hr-audit-log")

    page.get_by_label("Action").select_option("auth.login")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("auth.login")
    assert all("auth.login" in text for text in rows.all_inner_texts())
    screenshot("hr-audit-log-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export these events as CSV").click()
    assert download.value.suggested_filename == "acme-audit.csv"
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert content.startswith("id,time_utc,actor_email") and "auth.login" in content
