"""HR's audit log page: filter by actor, action, target and dates; page through; export CSV."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from . import audit
from .access import Permission, requires
from .audit_query import AuditFilter, check_reader, choices, csv_lines, iter_events, list_events
from .extensions import db
from .tenancy import MAX_ID, parse_id

bp = Blueprint("audit", __name__)


def not_before_since(form, field) -> None:
    if field.data and form.since.data and field.data < form.since.data:
        raise ValidationError("The end date comes before the start date.")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    actor = EmailField("Actor's email", validators=[Optional()])
    action = SelectField("Action", validate_choice=False, default="")
    target_type = SelectField("Target type", validate_choice=False, default="")
    target_id = IntegerField("Target id", validators=[Optional(), NumberRange(1, MAX_ID)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional(), not_before_since])


def _read_filters() -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.args)
    actions, kinds = choices(current_user)
    form.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, a) for a in actions]
    form.target_type.choices = [SelectChoice("", "Any type")] + [SelectChoice(k, k) for k in kinds]
    form.validate()
    ok = {name: getattr(form, name).data if not getattr(form, name).errors else None
          for name in ("actor", "action", "target_type", "target_id", "since", "until")}
    return form, AuditFilter(actor_email=(ok["actor"] or "")[:254], action=ok["action"] or "",
                             target_type=ok["target_type"] or "", target_id=ok["target_id"],
                             since=ok["since"], until=ok["until"])


@bp.get("/audit")
@requires(Permission.VIEW_AUDIT)
def index():
    form, filters = _read_filters()
    page = list_events(current_user, filters, page=parse_id(request.args.get("page")) or 1,
                       per_page=current_app.config["AUDIT_PAGE_SIZE"])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args), (
        422 if form.errors else 200)


@bp.get("/audit.csv")
@requires(Permission.VIEW_AUDIT)
def export():
    check_reader(current_user)
    _, filters = _read_filters()
    # Taking the log out of the application is itself worth a line in it.
    audit.record(current_user, "audit.export", None,
                 after={k: str(v) for k, v in vars(filters).items() if v not in ("", None)})
    db.session.commit()
    slug = current_user.company.slug
    lines = csv_lines(iter_events(current_user, filters))
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}-audit.csv"'})
