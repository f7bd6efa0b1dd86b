"""HR customizes the default ladder in a real browser: rename, years, management track,
publish; screenshots of the ladder page and the diff go to test-artifacts/screenshots/."""

from __future__ import annotations

from orgladder.demo import DEFAULT_PASSWORD, email_of


def test_hr_customizes_the_default_ladder(own_server, page, screenshot):
    base = own_server
    page.goto(f"{base}/login")
    page.fill("#email", email_of("hana"))
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("main [type=submit]")
    page.goto(f"{base}/ladders")
    page.click("text=Edit the draft")
    draft = page.url
    page.click("a[aria-label='Edit P2']")
    page.fill("#title", "Product Manager II")
    page.fill("#min_years", "3")
    page.fill("#max_years", "6")
    page.click("text=Save level")
    assert "Level P2 saved." in page.content()
    page.click("text=Add a track")
    page.fill("#name", "Technical PM")
    page.select_option("#kind", "specialist")
    page.select_option("#start_level",
                       label="P3 Senior Product Manager (Individual contributor)")
    page.fill("#code", "T3")
    page.fill("#title", "Senior Technical PM")
    page.click("button:has-text('Add track')")
    assert "Track Technical PM added." in page.content()
    page.goto(draft)
    page.fill("#summary", "P2 renamed, years widened, Technical PM track")
    page.click("button:has-text('Publish version 2')")
    assert "Version 2 published" in page.content()
    ladder_url = draft.rsplit("/draft", 1)[0]
    page.goto(f"{ladder_url}/compare?a=1&b=2")
    assert "Product Manager → Product Manager II" in page.content()
    screenshot("ladder-diff")
    page.goto(ladder_url)
    assert "Senior Technical PM" in page.content()
    screenshot("ladder-page")
    page.emulate_media(media="print")
    screenshot("ladder-print")
