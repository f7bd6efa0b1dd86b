"""Browser tests: a real server over the demo data, driven by Debian's Chromium via Playwright.

Playwright cannot download its own browsers here, so it launches /usr/bin/chromium. Without
Chromium the tests skip on a developer machine and fail in CI (ORGLADDER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from orgladder import create_app
from orgladder.demo import DEFAULT_PASSWORD, seed_demo
from orgladder.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.no_transaction)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("ORGLADDER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required here but {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@contextmanager
def serve_demo(instance: Path):
    """The app on a free loopback port, over a fresh SQLite database holding the demo."""
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'live.db'}",
        "INSTANCE_PATH": str(instance),
        "SERVER_NAME": None,
    })
    with app.app_context():
        upgrade()
        seed_demo(DEFAULT_PASSWORD)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The demo, shared by the tests that leave it as they found it."""
    with serve_demo(tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture
def own_server(tmp_path):
    """A demo of its own, for a test that changes the demo's data."""
    with serve_demo(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab; the test fails if any page breaks the Content-Security-Policy or
    logs a script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    # A refused sign-in answers 422/403 on purpose; the browser logs those as failed loads.
    problems = [p for p in problems if "status of 4" not in p]
    assert problems == [], problems


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, live_server):
    """Sign in on the shared demo, or on another server given as ``base``."""
    def as_(email: str, password: str = DEFAULT_PASSWORD, base: str = live_server):
        page.goto(f"{base}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        # Wait for the answer to the form (a new page), not the login page already loaded.
        with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return as_
