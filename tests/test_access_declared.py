"""Every endpoint declares who may call it; an undeclared one is refused (fail closed)."""

from flask import Flask

from orgladder import create_app
from orgladder.access import rule_for


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule_for(app.view_functions[rule.endpoint]) is None
    )


def test_every_endpoint_declares_its_access(app):
    assert undeclared_endpoints(app) == []
    assert len(list(app.url_map.iter_rules())) >= 9


def test_the_check_catches_an_undeclared_canary(database_url):
    canary_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @canary_app.get("/canary")
    def canary():
        return "should never be served"

    assert undeclared_endpoints(canary_app) == ["canary"]
    response = canary_app.test_client().get("/canary")
    assert response.status_code == 403
    assert b"should never be served" not in response.data
