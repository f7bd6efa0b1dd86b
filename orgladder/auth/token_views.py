"""The settings page for personal access tokens: make one (its secret is shown once), see
each one's last use, revoke it. Thin views over ``auth.tokens``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..access import Permission, requires
from ..errors import DomainError
from ..extensions import db, utcnow
from ..web import attach_error
from . import tokens

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=tokens.NAME_MAX)],
                       description="What uses it, e.g. “HR system sync”.")
    read_only = BooleanField("Read-only: it may read but never change anything")
    expires_in = SelectField(
        "Expires", default=str(tokens.DEFAULT_LIFETIME_DAYS),
        choices=[SelectChoice(str(days), f"in {days} days") for days in tokens.LIFETIME_CHOICES]
        + [SelectChoice("date", "on the date below")])
    expires_on = DateField("Expiry date", validators=[Optional()],
                           description="The token works until the end of this day (UTC).")
    submit = SubmitField("Create token")

    def expiry(self):
        """When the chosen token expires (``DomainError`` for a choice out of bounds)."""
        now = utcnow()
        if self.expires_in.data == "date":
            if self.expires_on.data is None:
                raise DomainError("Give the expiry date, or choose a number of days.",
                                  "expires_on")
            return tokens.expiry(now, on=self.expires_on.data)
        return tokens.expiry(now, days=int(self.expires_in.data))


def _page(form: TokenForm, secret: str | None = None, created=None, status: int | None = None):
    page = render_template("auth/tokens.html", form=form, tokens=tokens.tokens_of(current_user),
                           secret=secret, created=created, revoke_form=FlaskForm(), now=utcnow(),
                           default_days=tokens.DEFAULT_LIFETIME_DAYS,
                           max_days=tokens.MAX_LIFETIME_DAYS)
    return page, status or (422 if form.errors else 200)


@bp.get("/account/tokens")
@requires(Permission.VIEW_SELF)
def index():
    return _page(TokenForm())


@bp.post("/account/tokens")
@requires(Permission.VIEW_SELF)
def create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_token(current_user, current_user, form.name.data,
                                                read_only=form.read_only.data,
                                                expires_at=form.expiry())
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            # Shown on this answer only: never flashed, so it is not kept in the session.
            return _page(TokenForm(formdata=None), secret=secret, created=token, status=201)
    return _page(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires(Permission.VIEW_SELF)
def revoke(token_id: int):
    token = tokens.find_own_token(current_user, token_id)
    if token is None:
        abort(404)
    if FlaskForm().validate_on_submit():  # nothing but the CSRF token to check
        tokens.revoke_token(current_user, token)
        db.session.commit()
        flash(f"The token “{token.name}” is revoked; scripts using it are refused.", "success")
    return redirect(url_for("tokens.index"))
