from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from ..access import Permission, in_scope, requires
from ..ladders.service import list_ladders
from ..tenancy import get_in_company_or_404, parse_id
from .directory import PeopleFilter, list_people, managers_in_scope
from .models import Person
from .profile import level_profile

bp = Blueprint("people", __name__)


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


@bp.get("/me")
@requires(Permission.VIEW_SELF)
def my_level():
    profile = level_profile(current_user, current_user)
    return render_template("people/my_level.html", profile=profile)


@bp.get("/people")
@requires(Permission.VIEW_PEOPLE)
def index():
    filters = PeopleFilter(
        q=request.args.get("q", "")[:100],
        level_id=_int_arg("level"),
        track_id=_int_arg("track"),
        manager_id=_int_arg("manager"),
        include_inactive=request.args.get("inactive") == "1",
    )
    page = list_people(
        current_user, filters, page=_int_arg("page") or 1,
        per_page=current_app.config["PEOPLE_PAGE_SIZE"],
    )
    return render_template(
        "people/index.html",
        page=page,
        filters=filters,
        ladders=list_ladders(current_user),
        managers=managers_in_scope(current_user),
    )


@bp.get("/people/<int:person_id>")
@requires(Permission.VIEW_PEOPLE)
def show(person_id: int):
    person = get_in_company_or_404(Person, person_id, current_user)
    if not in_scope(current_user, person):
        abort(403)
    return render_template("people/show.html", profile=level_profile(current_user, person))
