"""HR customizes the default ladder in a real browser: rename, years, management track,
publish; screenshots of the ladder page and the diff go to test-artifacts/screenshots/."""

from __future__ import annotations

from playwright.sync_api import expect

from orgladder.demo import email_of


def test_hr_customizes_the_default_ladder(own_server, page, sign_in, screenshot):
    base = own_server
    sign_in(email_of("hana"), base=base)
    page.goto(f"{base}/ladders")
    page.click("text=Edit the draft")
    draft = page.url
    page.click("a[aria-label='Edit P2']")
    page.fill("#title", "Product Manager II")
    page.fill("#min_years", "3")
    page.fill("#max_years", "6")
    page.click("text=Save level")
    expect(page.locator(".flash")).to_contain_text("Level P2 saved.")
    page.click("text=Add a track")
    page.fill("#name", "Technical PM")
    page.select_option("#kind", "specialist")
    page.select_option("#start_level",
                       label="P3 Senior Product Manager (Individual contributor)")
    page.fill("#code", "T3")
    page.fill("#title", "Senior Technical PM")
    page.click("button:has-text('Add track')")
    expect(page.locator(".flash")).to_contain_text("Track Technical PM added.")
    page.goto(draft)
    page.fill("#summary", "P2 renamed, years widened, Technical PM track")
    page.click("button:has-text('Publish version 2')")
    expect(page.locator(".flash")).to_contain_text("Version 2 published")
    ladder_url = draft.rsplit("/draft", 1)[0]
    page.goto(f"{ladder_url}/compare?a=1&b=2")
    expect(page.locator("main")).to_contain_text("Product Manager → Product Manager II")
    screenshot("ladder-diff")
    page.goto(ladder_url)
    expect(page.locator("main")).to_contain_text("Senior Technical PM")
    screenshot("ladder-page")
    page.emulate_media(media="print")
    screenshot("ladder-print")
