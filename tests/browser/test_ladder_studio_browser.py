"""HR customizes the default ladder in a real browser: rename, years, management track,
publish; screenshots of the ladder page and the diff go to test-artifacts/screenshots/."""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from orgladder import create_app
from orgladder.demo import DEFAULT_PASSWORD, email_of, seed_demo
from orgladder.extensions import db


@pytest.fixture
def studio_server(tmp_path):
    """A server of its own: this test changes the demo ladder."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}",
                                 "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_hr_customizes_the_default_ladder(studio_server, page, screenshot):
    base = studio_server
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
