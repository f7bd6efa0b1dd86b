"""Forms of the ladder studio."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .models import TRACK_KINDS

KIND_CHOICES = [SelectChoice("ic", "Individual contributor"),
                SelectChoice("management", "Management"), SelectChoice("specialist", "Specialist")]
assert [choice.value for choice in KIND_CHOICES] == list(TRACK_KINDS)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RevisionForm(FlaskForm):
    revision = HiddenField()


class LadderForm(RevisionForm):
    name = StringField("Ladder name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])


class TrackForm(RevisionForm):
    name = StringField("Track name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=KIND_CHOICES)


class NewTrackForm(FlaskForm):
    name = StringField("Track name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default="management")
    start_level = SelectField("Starts beside (equivalent to)", coerce=int,
                              validators=[DataRequired()])
    code = StringField("First level code", validators=[DataRequired(), Length(max=20)])
    title = StringField("First level title", validators=[DataRequired(), Length(max=120)])


class LevelForm(RevisionForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    grade = IntegerField("Grade (equal grades on different tracks are equivalent)",
                         validators=[Optional(), NumberRange(min=0, max=99)])
    min_years = IntegerField("Typical years, from",
                             validators=[InputRequired("Give the fewest years (0 or more)."),
                                         NumberRange(min=0, max=60)])
    max_years = IntegerField("Typical years, up to (empty: open-ended)",
                             validators=[Optional(), NumberRange(min=0, max=60)])
    summary = TextAreaField("Summary", validators=[Length(max=5000)])
    responsibilities = TextAreaField("Responsibilities (one per line)")
    skills = TextAreaField("Skills (one per line)")
    after = SelectField("Place it above", coerce=int, validate_choice=False, default=0)

    def values(self) -> dict:
        return {
            "code": self.code.data.strip(), "title": self.title.data.strip(),
            "grade": self.grade.data, "min_years": self.min_years.data,
            "max_years": self.max_years.data, "summary": (self.summary.data or "").strip(),
            "responsibilities": lines(self.responsibilities.data),
            "skills": lines(self.skills.data),
        }

    def load(self, level) -> None:
        for name in ("code", "title", "grade", "min_years", "max_years", "summary", "revision"):
            getattr(self, name).data = getattr(level, name)
        self.responsibilities.data = "\n".join(level.responsibilities or [])
        self.skills.data = "\n".join(level.skills or [])


class DeleteLevelForm(FlaskForm):
    move_to = SelectField("Move the people who hold it to", coerce=int, validate_choice=False,
                          default=0)


class CompetencyForm(RevisionForm):
    name = StringField("Competency name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("What it covers", validators=[Length(max=5000)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])


class PublishForm(FlaskForm):
    summary = StringField("What changed (shown in the version history)",
                          validators=[DataRequired(), Length(max=500)])


class NewLadderForm(FlaskForm):
    name = StringField("Ladder name", validators=[DataRequired(), Length(max=200)])
    source = RadioField("Start from", default="default", choices=[
        SelectChoice("default", "The default Product Management ladder"),
        SelectChoice("copy", "A copy of another ladder"), SelectChoice("empty", "An empty ladder")])
    copy_from = SelectField("Ladder to copy", coerce=int, validate_choice=False, default=0)


class ImportForm(FlaskForm):
    file = FileField("Ladder file (.yaml, .yml or .json)",
                     validators=[FileRequired("Choose a file to import.")])
