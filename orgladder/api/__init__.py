"""The JSON API, version 1, under ``/api/v1``.

Each module of ``RESOURCES`` adds its operations to the one blueprint; a new resource is a new
module and one more name in that tuple. The API uses the pages' services and access rules: a
view looks the object up in the caller's company, checks scope, calls the service, commits.
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, Flask

from ..extensions import csrf, login_manager
from .auth import load_api_user
from .errors import register_error_handlers
from .io import check_query_string

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_error_handlers(bp)
bp.before_request(check_query_string)

RESOURCES = ("spec", "me", "ladders", "ladder_versions", "people", "assignments", "audit",
             "calibrations", "calibration_entries")


def register_api(app: Flask) -> None:
    for name in RESOURCES:
        import_module(f"{__name__}.{name}")
    app.register_blueprint(bp)
    # Bearer tokens only, never the session cookie: nothing for a forged request to ride on.
    csrf.exempt(bp)
    app.before_request(load_api_user)
    # An anonymous API call is answered 401, not sent to the sign-in page.
    login_manager.blueprint_login_views[bp.name] = None
