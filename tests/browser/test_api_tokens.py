"""A person makes an API token on their settings page, a script uses it, and they revoke it."""

from __future__ import annotations

from playwright.sync_api import expect


def test_make_use_and_revoke_a_token(page, live_server, sign_in, screenshot):
    sign_in("kenji@acme.example")
    page.get_by_text("Kenji").first.click()  # the account menu
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    page.get_by_label("Name").fill("Weekly report script")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_role("textbox", name="Token").input_value()
    assert secret.startswith("olt_")
    expect(page.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    screenshot("api-token-created")

    api = page.context.request
    me = api.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["email"] == "kenji@acme.example"
    # the signed-in browser's cookie alone does not open the API
    assert api.get(f"{live_server}/api/v1/me").status == 401

    page.goto(f"{live_server}/account/tokens")
    expect(page.get_by_role("row", name="Weekly report script")).to_contain_text("UTC")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Weekly report script").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    screenshot("api-token-revoked")
    refused = api.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
    assert refused.headers["content-type"] == "application/problem+json"
