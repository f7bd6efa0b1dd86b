from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import Permission, can_administer, can_manage, in_scope, requires
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Level
from ..ladders.visibility import published_track_choices, published_views
from ..tenancy import get_in_company_or_404, parse_id
from ..web import attach_error, render_form
from .directory import PeopleFilter, list_people, manager_choice, manager_filter
from .distribution import level_distribution
from .forms import AssignLevelForm
from .models import Person
from .profile import level_profile
from .service import assign_level

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
        active=None if request.args.get("inactive") == "1" else True,
    )
    page = list_people(
        current_user, filters, page=_int_arg("page") or 1,
        per_page=current_app.config["PEOPLE_PAGE_SIZE"],
    )
    return render_template(
        "people/index.html",
        page=page,
        filters=filters,
        tracks=published_track_choices(current_user),
        managers=manager_filter(current_user),
        selected_manager=manager_choice(current_user, filters.manager_id),
    )


@bp.get("/people/<int:person_id>")
@requires(Permission.VIEW_PEOPLE)
def show(person_id: int):
    person = get_in_company_or_404(Person, person_id, current_user)
    if not in_scope(current_user, person):
        abort(403)
    return render_template(
        "people/show.html", profile=level_profile(current_user, person),
        may_assign=can_manage(current_user, person),
        may_edit=can_administer(current_user, person),
    )


@bp.route("/people/<int:person_id>/level", methods=["GET", "POST"])
@requires(Permission.ASSIGN_LEVEL)
def assign(person_id: int):
    person = get_in_company_or_404(Person, person_id, current_user)
    if not can_manage(current_user, person):
        abort(403)  # out of scope, or oneself: nobody assigns their own level
    form = AssignLevelForm()
    # The published levels only: a level of a draft is no one's level yet.
    form.level.choices = [
        SelectChoice(lv.id, f"{lv.code} {lv.title}", optgroup=f"{view.ladder.name} · {track.name}")
        for view in published_views(current_user.company_id) for track in view.tracks
        for lv in track.levels
    ]
    if form.validate_on_submit():
        level = get_in_company_or_404(Level, form.level.data, current_user)
        try:
            assign_level(current_user, person, level, form.effective_date.data, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"{person.name} holds {level.code} {level.title} from "
                  f"{form.effective_date.data:%-d %B %Y}.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_form("people/assign.html", form, profile=level_profile(current_user, person))


@bp.get("/people/levels")
@requires(Permission.VIEW_PEOPLE)
def distribution():
    root = None
    manager_id = _int_arg("manager")
    if manager_id is not None:
        root = get_in_company_or_404(Person, manager_id, current_user)
        if not in_scope(current_user, root):
            abort(403)
    return render_template(
        "people/distribution.html",
        chart=level_distribution(current_user, root, page=_int_arg("page") or 1,
                                 per_page=current_app.config["PEOPLE_PAGE_SIZE"]),
        root=root,
        managers=manager_filter(current_user),
        selected_manager=root,
    )
