"""A calibration cycle's entries and their notes, through ``calibration.entries`` like the
entry page. ``calibration.rules`` decides who sees and edits what: nobody reads or changes
their own entry; notes are read one entry at a time, and each read is audited as on the page,
so no list carries them."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from ..access import Permission, requires
from ..calibration import entries as entry_service
from ..calibration.models import CalibrationEntry, EntryNote
from ..calibration.queries import visible_entries_query
from ..calibration.rules import may_edit_entry, may_see_entry
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Level
from ..ladders.service import company_levels
from ..tenancy import get_in_company_or_404
from . import bp
from .calibrations import visible_cycle
from .errors import ApiError
from .io import if_match_revision, json_body, json_response, query_args, serialize
from .io import versioned_etag as tag_of
from .openapi import operation
from .pagination import paged_response, paginate, paginate_list
from .people import in_api_terms
from .schemas.calibrations import (
    EntriesQuery,
    EntryOut,
    EntryPage,
    EntryPatch,
    LevelBrief,
    NoteCreate,
    NoteOut,
    NotePage,
    Prepared,
)
from .schemas.common import PageQuery, Ref

ENTRY_FIELDS = {"proposed_level": "proposed_level_id"}
ETAG_NOTE = ("The ETag starts with the entry's revision: a PATCH from an older one is refused "
             "(412) with the changes saved since.")


def _brief(level: Level | None) -> LevelBrief | None:
    if level is None:
        return None
    return LevelBrief(id=level.id, code=level.code, title=level.title, track_id=level.track_id)


def entry_out(entry: CalibrationEntry, levels: dict[int, Level]) -> EntryOut:
    cycle = entry.cycle
    prepared = Prepared(**entry.originals()) if entry.originals_frozen else None
    return EntryOut(
        id=entry.id, calibration_id=entry.cycle_id, session_id=entry.session_id,
        person=Ref(id=entry.person.id, name=entry.person.name), manager_id=entry.manager_id,
        current_level=_brief(levels.get(entry.current_level_id)),
        proposed_level=_brief(levels.get(entry.proposed_level_id)),
        performance=entry.performance,
        performance_label=cycle.rating_label(entry.performance) or None,
        potential=entry.potential, potential_label=cycle.potential_label(entry.potential) or None,
        promotion_ready=entry.promotion_ready, prepared=prepared,
        changed_in_session=entry.changed_in_session(), prepared_by_id=entry.prepared_by_id,
        prepared_at=entry.prepared_at, updated_by_id=entry.updated_by_id,
        updated_at=entry.updated_at, locked=entry.locked_at is not None,
        editable=may_edit_entry(current_user, entry), revision=entry.revision)


def entry_body(entry: CalibrationEntry) -> EntryOut:
    return entry_out(entry, company_levels(entry.company_id))


def visible_entry(calibration_id: int, entry_id: int) -> CalibrationEntry:
    """An entry of this cycle the caller may see: another company's is 404, and so is one of
    another cycle; one the rules hide (one's own above all) is 403, as on the entry page."""
    entry = get_in_company_or_404(CalibrationEntry, entry_id, current_user)
    if entry.cycle_id != calibration_id:
        raise ApiError(404, "This calibration cycle has no such entry.")
    if not may_see_entry(current_user, entry):
        raise ApiError(403, "You may not see this calibration entry.")
    return entry


def entry_response(entry: CalibrationEntry):
    return json_response(entry_body(entry), etag=True, revision=entry.revision)


@bp.get("/calibrations/<int:calibration_id>/entries")
@requires(Permission.CALIBRATE)
@operation("List the entries of a cycle you may see (never your own), by name; notes are "
           "read one entry at a time", tag="calibrations", response=EntryPage,
           query=EntriesQuery, paginated=True)
def list_entries(calibration_id: int):
    cycle = visible_cycle(calibration_id).cycle
    args = query_args(EntriesQuery)
    rows, window = paginate(visible_entries_query(current_user, cycle, args.session_id), args)
    levels = company_levels(cycle.company_id)
    return paged_response(EntryPage, [entry_out(entry, levels) for entry, in rows], window)


@bp.get("/calibrations/<int:calibration_id>/entries/<int:entry_id>")
@requires(Permission.CALIBRATE)
@operation("Read one entry: the levels, ratings and readiness prepared and calibrated",
           tag="calibrations", response=EntryOut, etag=True, description=ETAG_NOTE)
def get_entry(calibration_id: int, entry_id: int):
    return entry_response(visible_entry(calibration_id, entry_id))


def _proposed_level(entry: CalibrationEntry, data: EntryPatch) -> Level | None:
    if "proposed_level_id" not in data.model_fields_set:
        return entry.proposed_level
    if data.proposed_level_id is None:
        return None
    level = db.session.scalar(select(Level).where(
        Level.id == data.proposed_level_id, Level.company_id == current_user.company_id))
    if level is None:
        raise DomainError("Your company's ladders have no level with this id.",
                          "proposed_level_id")
    return level


@bp.patch("/calibrations/<int:calibration_id>/entries/<int:entry_id>")
@requires(Permission.CALIBRATE)
@operation("Fill in or calibrate an entry while the cycle is in preparation or in session: "
           "proposed level, performance, potential, promotion readiness", tag="calibrations",
           response=EntryOut, body=EntryPatch, etag=True, if_match=True, errors=(409,),
           description=ETAG_NOTE)
def patch_entry(calibration_id: int, entry_id: int):
    entry = visible_entry(calibration_id, entry_id)
    data = json_body(EntryPatch)
    revision = if_match_revision(entry_body(entry), entry.revision)
    given = data.model_fields_set
    try:
        entry_service.save_entry(
            current_user, entry, proposed_level=_proposed_level(entry, data),
            performance=data.performance if "performance" in given else entry.performance,
            potential=data.potential if "potential" in given else entry.potential,
            promotion_ready=(data.promotion_ready if "promotion_ready" in given
                             else entry.promotion_ready),
            expected_revision=revision)
    except entry_service.StaleEntry as error:
        db.session.rollback()
        current = db.session.get(CalibrationEntry, entry_id)
        tag = tag_of(current.revision, serialize(entry_body(current)))
        raise ApiError(412, error.message, kind="stale", changes=error.changes,
                       current_etag=f'"{tag}"') from None
    except DomainError as error:
        raise in_api_terms(error, ENTRY_FIELDS) from None
    db.session.commit()
    return entry_response(db.session.get(CalibrationEntry, entry_id))


def note_out(note: EntryNote) -> NoteOut:
    author = note.author
    return NoteOut(id=note.id, entry_id=note.entry_id, body=note.body,
                   author=Ref(id=author.id, name=author.name) if author else None,
                   created_at=note.created_at)


@bp.get("/calibrations/<int:calibration_id>/entries/<int:entry_id>/notes")
@requires(Permission.CALIBRATE)
@operation("Read an entry's notes, oldest first; the read is recorded in the audit log "
           "(who read which entry's notes, never their text)", tag="calibrations",
           response=NotePage, query=PageQuery, paginated=True)
def list_notes(calibration_id: int, entry_id: int):
    entry = visible_entry(calibration_id, entry_id)
    paging = query_args(PageQuery)
    notes = entry_service.read_notes(current_user, entry)
    db.session.commit()  # the audit event of reading them
    items, window = paginate_list([note_out(note) for note in notes], paging)
    return paged_response(NotePage, items, window)


@bp.post("/calibrations/<int:calibration_id>/entries/<int:entry_id>/notes")
@requires(Permission.CALIBRATE)
@operation("Add a note to an entry's thread while the cycle is in preparation or in session",
           tag="calibrations", response=NoteOut, status=201, body=NoteCreate, etag=True,
           errors=(409,))
def add_note(calibration_id: int, entry_id: int):
    entry = visible_entry(calibration_id, entry_id)
    data = json_body(NoteCreate)
    note = entry_service.add_note(current_user, entry, data.body)
    db.session.commit()
    return json_response(note_out(note), 201, etag=True)
