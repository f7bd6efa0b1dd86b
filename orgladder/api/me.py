"""GET /api/v1/me: the token's owner, their level and what they may do."""

from __future__ import annotations

from flask_login import current_user

from ..access import Permission, permissions_of, requires
from ..people.service import current_assignment
from . import bp
from .io import json_response
from .openapi import operation
from .represent import LevelWording, person_out
from .schemas.people import Company, MeOut


@bp.get("/me")
@requires(Permission.VIEW_SELF)
@operation("Who the token acts as: the person, their company, level and permissions",
           tag="me", response=MeOut, etag=True)
def me():
    person = current_user
    assignment = current_assignment(person)
    body = person_out(person, assignment.level if assignment else None,
                      assignment.effective_date if assignment else None,
                      LevelWording(person))
    company = person.company
    return json_response(MeOut(
        **body.model_dump(), company=Company(id=company.id, name=company.name, slug=company.slug),
        permissions=sorted(permissions_of(person))), etag=True)
