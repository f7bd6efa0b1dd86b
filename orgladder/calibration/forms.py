"""Forms of the calibration pages. Choices are filled in by the views from the company's data."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..people.forms import CheckboxesField
from .entries import MAX_NOTE
from .scales import DEFAULT_POTENTIAL_SCALE, DEFAULT_RATING_SCALE
from .states import MIN_REASON

NONE = 0  # the "no choice" value of the integer selects


def revision_of(form_field) -> int | None:
    """The revision a form was opened at; an unreadable one is treated as stale (-1)."""
    try:
        return int(form_field.data)
    except (TypeError, ValueError):
        return -1


class CycleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)],
                       description="People see it as the reason of the level changes it makes.")
    ladder = SelectField("Ladder", coerce=int, validate_choice=True)
    population = SelectField("Population", coerce=int, validate_choice=True,
                             description="Everyone below the chosen manager, or everyone.")
    period_start = DateField("Period from", validators=[DataRequired()])
    period_end = DateField("Period to", validators=[DataRequired()])
    due_date = DateField("Preparation due", validators=[Optional()],
                         description="When managers should have filled in their entries.")
    rating_scale = TextAreaField(
        "Performance ratings", default="\n".join(DEFAULT_RATING_SCALE),
        validators=[DataRequired(), Length(max=1000)],
        description="One label per line, lowest first: the first line is rating 1.")
    potential_scale = TextAreaField(
        "Potential", default="\n".join(DEFAULT_POTENTIAL_SCALE),
        validators=[DataRequired(), Length(max=1000)],
        description="One label per line, lowest first.")
    target_distribution = StringField(
        "Target distribution (optional)", validators=[Optional(), Length(max=100)],
        description="Percent of people per rating, lowest first, e.g. 5, 20, 50, 20, 5.")
    revision = HiddenField()


class SessionForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    root = SelectField("People", coerce=int, validate_choice=True,
                       description="Everyone below this manager who is not in a session of a "
                                   "manager further down.")
    facilitator = SelectField("Facilitator", coerce=int, validate_choice=True)
    participants = CheckboxesField("Participating managers", coerce=int, validate_choice=True)


class EditSessionForm(SessionForm):
    root = None
    revision = HiddenField()


class EntryForm(FlaskForm):
    proposed_level = SelectField("Proposed level", coerce=int, validate_choice=True)
    performance = SelectField("Performance", coerce=int, validate_choice=True)
    potential = SelectField("Potential", coerce=int, validate_choice=True)
    promotion_ready = BooleanField("Ready for promotion")
    revision = HiddenField()


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note", validators=[DataRequired("Write the note first."),
                                                   Length(max=MAX_NOTE)])


class AdvanceForm(FlaskForm):
    target = HiddenField(validators=[InputRequired()])


class FinalizeForm(FlaskForm):
    effective_date = DateField("Level changes take effect on", validators=[DataRequired()],
                               default=date.today)


class ReopenForm(FlaskForm):
    reason = TextAreaField("Why reopen?", validators=[
        DataRequired("Write why the cycle is reopened."), Length(min=MIN_REASON, max=2000)],
        description="Recorded in the audit log with your name.")
