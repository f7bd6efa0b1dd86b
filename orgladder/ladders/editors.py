"""Who changes a ladder: HR for the whole company (``Permission.MANAGE_LADDERS``).

A ladder is the company's, so HR for one part of it reads drafts but changes none. Each ladder
service asks here first, so a call that names no actor, or the wrong one, changes nothing.
"""

from __future__ import annotations

from ..access import Permission, has_permission
from ..actors import SystemActor, person_or_system
from ..errors import NotAllowed


def check_editor(actor, company_id: int | None, *system: SystemActor) -> None:
    """Refuse unless ``actor`` is company-wide HR of ``company_id`` (None: the actor's own
    company, for a new ladder) or one of the ``system`` actors."""
    editor = person_or_system(actor, *system)
    if editor is None:
        return
    other_company = company_id is not None and editor.company_id != company_id
    if other_company or not has_permission(editor, Permission.MANAGE_LADDERS):
        raise NotAllowed("Only HR for the whole company edits ladders.")
