"""HR's pages for one person's record: add, edit (details, manager, roles, HR grants for a
part of the org), deactivate."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import Permission, in_scope, requires
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..tenancy import get_in_company_or_404
from ..web import attach_error, render_form
from . import grants, hr
from .forms import GrantHrForm, NewPersonForm, PersonForm, RevokeGrantForm
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


def _person_form(person: Person, *, submitted: bool = True) -> PersonForm:
    """The record's form, filled from the person (and from the request when ``submitted``:
    a page posting another form shows the record as it is)."""
    state = hr.snapshot(person)
    data = {**state, "profession_start": person.profession_start, "seen": json.dumps(state)}
    return PersonForm(data=data) if submitted else PersonForm(formdata=None, data=data)


def _edit_page(person: Person, form: PersonForm, grant_form: GrantHrForm | None = None):
    """The edit page: the record's form and, below it, the person's grants."""
    grant_form = grant_form or GrantHrForm(formdata=None)
    held = sorted(person.grants, key=lambda g: (g.role, g.scope_root_id or 0))
    status = 422 if form.errors or grant_form.errors else 200
    return render_template("people/person_form.html", form=form, person=person,
                           grant_form=grant_form, grants=held,
                           describe=grants.describe), status


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def edit(person_id: int):
    person = _person_in_scope(person_id)
    form = _person_form(person)
    if form.validate_on_submit():
        try:
            hr.update_person(
                current_user, person, name=form.name.data, email=form.email.data,
                manager=hr.manager_by_email(current_user, form.manager_email.data,
                                            keep=person.manager),
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
    return _edit_page(person, form)


@bp.post("/people/<int:person_id>/grants")
@requires(Permission.MANAGE_PEOPLE)
def grant_hr(person_id: int):
    """Make the person HR for the part of the org under someone (an HR business partner)."""
    person = _person_in_scope(person_id)
    grant_form = GrantHrForm()
    if grant_form.validate_on_submit():
        try:
            root = hr.manager_by_email(current_user, grant_form.scope_email.data,
                                       field="scope_email")
            grants.grant_role(current_user, person, "hr", scope_root=root)
        except DomainError as error:
            db.session.rollback()
            person = db.session.get(Person, person.id)
            attach_error(grant_form, error if error.field != "scope" else
                         DomainError(error.message, field="scope_email"))
        else:
            db.session.commit()
            flash(f"{person.name} is now {grants.describe('hr', root)}.", "success")
            return redirect(url_for("people_admin.edit", person_id=person.id))
    return _edit_page(person, _person_form(person, submitted=False), grant_form)


@bp.post("/people/<int:person_id>/grants/revoke")
@requires(Permission.MANAGE_PEOPLE)
def revoke_grant(person_id: int):
    person = _person_in_scope(person_id)
    form = RevokeGrantForm()
    grant = next((g for g in person.grants if g.id == form.grant_id.data), None)
    if not form.validate_on_submit() or grant is None:
        # A second click on the same button, or a grant removed in between: nothing to do.
        flash("This grant is no longer held.", "info")
        return redirect(url_for("people_admin.edit", person_id=person.id))
    role, root = grant.role, grant.scope_root
    _commit_or_flash(lambda: grants.revoke_role(current_user, person, role, scope_root=root),
                     f"{person.name} is no longer {grants.describe(role, root)}.")
    return redirect(url_for("people_admin.edit", person_id=person.id))


def _set_active(person_id: int, active: bool):
    person = _person_in_scope(person_id)
    _commit_or_flash(lambda: hr.set_active(current_user, person, active),
                     f"{person.name} is {'reactivated' if active else 'deactivated'}.")
    return redirect(url_for("people.show", person_id=person_id))


def _commit_or_flash(change, success: str) -> None:
    """Run one change for a button: commit and say ``success``, or roll back and flash why.
    A refusal (``NotAllowed``) is no flash: it answers 403 and is audited."""
    try:
        change()
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(success, "success")


@bp.post("/people/<int:person_id>/deactivate")
@requires(Permission.MANAGE_PEOPLE)
def deactivate(person_id: int):
    return _set_active(person_id, False)


@bp.post("/people/<int:person_id>/reactivate")
@requires(Permission.MANAGE_PEOPLE)
def reactivate(person_id: int):
    return _set_active(person_id, True)
