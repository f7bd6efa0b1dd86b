"""Small helpers shared by the HTML views."""

from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm

from .errors import DomainError, NotAllowed


def render_form(template: str, form: FlaskForm, **context):
    """Render a page holding a form; a form with errors answers 422 so clients can tell."""
    status = 422 if form.errors else 200
    return render_template(template, form=form, **context), status


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal beside the field it concerns, or above the form. A
    ``NotAllowed`` is no form error: it goes on to the 403 page and the audit log."""
    if isinstance(error, NotAllowed):
        raise error
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    form._errors = None  # recompute form.errors with the new message


def wait_in_words(seconds: int) -> str:
    """A wait as a page words it after "Try again in": "40 seconds", "2 minutes and 5 seconds"."""
    def unit(count: int, name: str) -> str:
        return f"{count} {name}{'' if count == 1 else 's'}"

    minutes, rest = divmod(max(1, seconds), 60)
    if not minutes:
        return unit(rest, "second")
    return unit(minutes, "minute") + (f" and {unit(rest, 'second')}" if rest else "")
