"""HR's pages for one person's record: add, edit (details, manager, roles), deactivate."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from ..access import Permission, in_scope, requires
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..tenancy import get_in_company_or_404
from ..web import attach_error, render_form
from . import hr
from .forms import NewPersonForm, PersonForm
from .models import Person

bp = Blueprint("people_admin", __name__)


def _person_in_scope(person_id: int) -> Person:
    person = get_in_company_or_404(Person, person_id, current_user)
    if not in_scope(current_user, person):
        abort(403)
    return person


@bp.route("/people/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def new():
    form = NewPersonForm()
    if form.validate_on_submit():
        try:
            person = hr.add_person(
                current_user, name=form.name.data, email=form.email.data,
                manager=hr.manager_by_email(current_user, form.manager_email.data),
                profession_start=form.profession_start.data, roles=form.roles.data or [],
                password=form.password.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"{person.name} is added.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_form("people/person_form.html", form, person=None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def edit(person_id: int):
    person = _person_in_scope(person_id)
    state = hr.snapshot(person)
    form = PersonForm(data={**state, "profession_start": person.profession_start,
                            "seen": json.dumps(state)})
    if form.validate_on_submit():
        try:
            hr.update_person(
                current_user, person, name=form.name.data, email=form.email.data,
                manager=hr.manager_by_email(current_user, form.manager_email.data),
                profession_start=form.profession_start.data, roles=form.roles.data or [],
                seen=form.seen_state(),
            )
        except DomainError as error:
            db.session.rollback()
            person = db.session.get(Person, person.id)
            form.seen.data = json.dumps(hr.snapshot(person))
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"{person.name}'s record is saved.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_form("people/person_form.html", form, person=person)


def _set_active(person_id: int, active: bool):
    person = _person_in_scope(person_id)
    try:
        hr.set_active(current_user, person, active)
    except NotAllowed:
        raise  # a refusal, not a flash: 403 and the audit log
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{person.name} is {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("people.show", person_id=person_id))


@bp.post("/people/<int:person_id>/deactivate")
@requires(Permission.MANAGE_PEOPLE)
def deactivate(person_id: int):
    return _set_active(person_id, False)


@bp.post("/people/<int:person_id>/reactivate")
@requires(Permission.MANAGE_PEOPLE)
def reactivate(person_id: int):
    return _set_active(person_id, True)
