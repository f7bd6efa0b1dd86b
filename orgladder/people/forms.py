"""Forms of the people pages: HR's person form, level assignment and the import upload."""

from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..access import Role
from ..bounded import Unreadable, load_json
from .service import checked_email


def email_syntax(form, field) -> None:
    if field.data:
        try:
            checked_email(field.data)
        except EmailNotValidError as error:
            raise ValidationError(str(error)) from error


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def not_in_future(form, field) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("This date cannot be in the future.")


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), email_syntax, Length(max=254)])
    manager_email = EmailField("Manager's email", validators=[Optional(), email_syntax],
                               description="Leave empty for someone at the top of the org.")
    profession_start = DateField("Start in the profession", validators=[Optional(), not_in_future])
    roles = CheckboxesField("Roles", choices=[SelectChoice(Role.MANAGER.value, "Manager"),
                                              SelectChoice(Role.HR.value, "HR")],
                           validate_choice=True)
    seen = HiddenField()

    def seen_state(self) -> dict | None:
        """The record as it was when the form was opened, for the stale-edit check."""
        try:  # the browser sends it back, so it is read as any input is: bounded
            value = load_json(self.seen.data or "null")
        except Unreadable:
            return None
        return value if isinstance(value, dict) else None


class NewPersonForm(PersonForm):
    password = PasswordField("Initial password", validators=[Optional(), Length(max=200)],
                             description="Optional: without one, the person cannot sign in yet.")


class GrantHrForm(FlaskForm):
    scope_email = EmailField("HR for the part of the org under",
                             validators=[DataRequired(), email_syntax, Length(max=254)],
                             description="The email of the person at the top of that part, "
                                         "usually its manager.")


class RevokeGrantForm(FlaskForm):
    grant_id = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])


class AssignLevelForm(FlaskForm):
    level = SelectField("Level", coerce=int, validate_choice=True)
    effective_date = DateField("Effective date", validators=[DataRequired()], default=date.today)
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)],
                           description="Why this level: it appears in the person's history.")


class ImportForm(FlaskForm):
    file = FileField("CSV or XLSX file", validators=[
        FileRequired("Choose a file to import."),
        FileAllowed(["csv", "xlsx"], "Upload a .csv or .xlsx file."),
    ])
