"""The notifications page, mark read, the preferences form, the unsubscribe link, and HR's
outbox of unsent mail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ..access import Permission, public, requires
from ..errors import DomainError
from ..extensions import csrf, db
from ..web import attach_error, render_form
from . import service
from .kinds import KINDS
from .mail import read_unsubscribe_token

bp = Blueprint("notifications", __name__)

CHANNEL_LABELS = {
    "in_app": "In the app only",
    "email": "In the app and by email",
    "digest_daily": "In the app, and a daily email digest",
    "digest_weekly": "In the app, and a weekly email digest (Mondays)",
}


@bp.get("/notifications")
@requires(Permission.VIEW_SELF)
def index():
    return render_template("notifications/index.html",
                           notifications=service.recent(current_user))


@bp.post("/notifications/<int:notification_id>/read")
@requires(Permission.VIEW_SELF)
def mark_read(notification_id: int):
    try:
        service.mark_read(current_user, notification_id)
    except LookupError:
        abort(404)
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@requires(Permission.VIEW_SELF)
def mark_all_read():
    count = service.mark_all_read(current_user)
    db.session.commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return redirect(url_for("notifications.index"))


def preferences_form(data=None) -> FlaskForm:
    """One select per kind, offering only the channels that kind allows."""

    class PreferencesForm(FlaskForm):
        pass

    chosen = service.choices_of(current_user)
    for name, kind in KINDS.items():
        setattr(PreferencesForm, name, SelectField(
            kind.label, default=chosen[name].value,
            choices=[SelectChoice(c.value, CHANNEL_LABELS[c.value])
                     for c in service.allowed_channels(name)]))
    return PreferencesForm(data)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@requires(Permission.VIEW_SELF)
def preferences():
    form = preferences_form(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            changed = service.set_preferences(
                current_user, {name: getattr(form, name).data for name in KINDS})
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Your choices are saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("notifications.preferences"))
    return render_form("notifications/preferences.html", form=form, kinds=KINDS)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the proof; mail clients' one-click POST carries no form
def unsubscribe(token: str):
    found = read_unsubscribe_token(token)
    if found is None:
        abort(404)
    person, kind = found
    if request.method == "POST":
        stopped = service.unsubscribe(person, kind)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", kind=KINDS[kind],
                               stopped=stopped)
    # A GET changes nothing: mail scanners open links; the page asks for the POST.
    return render_template("notifications/unsubscribe.html", kind=KINDS[kind], token=token)


@bp.get("/outbox")
@requires(Permission.VIEW_AUDIT)
def outbox():
    return render_template("notifications/outbox.html", mails=service.outbox_for(current_user))
