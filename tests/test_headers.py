"""Security headers on every response; no-store on pages that show people data."""

from orgladder import create_app


def test_pages_carry_a_strict_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ["script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # development serves plain HTTP


def test_people_pages_are_not_cached(client, org):
    client.login(org.hr.email)
    for path in ["/", "/me", "/people", f"/people/{org.emp.id}"]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"


def test_production_adds_hsts(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app("production")
    response = app.test_client().get("/login", base_url="https://orgladder.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_hold_no_inline_script_or_style():
    from pathlib import Path

    for template in Path(__file__).resolve().parents[1].glob("templates/**/*.html"):
        text = template.read_text()
        inline_scripts = text.count("<script") - text.count("<script src=")
        assert inline_scripts == 0, template
        assert "style=" not in text, template


def test_referrer_policy_keeps_urls_on_the_site(client):
    assert client.get("/login").headers["Referrer-Policy"] == "same-origin"
