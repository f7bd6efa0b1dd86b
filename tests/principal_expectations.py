"""What two more principals of the authorization matrix may do, endpoint by endpoint.

- ``hrbp``: Greta Partner, an HR business partner whose HR grant is scoped to Mona Manager's
  team (Mona, Eli, Leo, Ida). She reports to Bea Boss, so she is outside her own scope.
- ``hr_subject``: Hugo Subject, HR for the whole company, who is himself in the population of
  the company-wide cycle; Hannah Hr has proposed a level for him and written a note about him.

Targets are those of ``test_matrix`` plus ``partner_in`` (Leo, inside Greta's scope) and
``partner_out`` (Pat Peermanager, in the company but outside it). For Greta, "direct",
"indirect" and "partner_in" are inside her scope, "peer" and "partner_out" outside it.

Each expectation is ``(principal, target) -> status``, where a status is a number or a set of
acceptable numbers (a refusal may be a 403 or a 422 with its message, never a change).
"""

from __future__ import annotations

from .test_matrix import MATRIX

IN_SCOPE = frozenset({"direct", "indirect", "partner_in"})
OUT_OF_SCOPE = frozenset({"peer", "partner_out"})
# Refusing a change: forbidden, or a form/validation error that says why.
REFUSED = frozenset({403, 422})
# An API write without If-Match changes nothing either: 428 is a refusal too.
API_REFUSED = REFUSED | {428}


def always(status):
    return lambda principal, target: status


def as_hr(endpoint: str):
    """What ``test_matrix`` expects of company-wide HR (Hannah) on the same target."""
    expected = MATRIX[endpoint][2]
    return lambda principal, target: expected("hr", target)


def scoped(ok, *, own=None, out=403):
    """A person's page or resource for scoped HR: ``ok`` inside her scope, ``own`` for
    herself (``ok`` unless given), ``out`` outside it, 404 in another company."""
    def status(principal: str, target: str):
        if target == "other_company":
            return 404
        if target == "own":
            return ok if own is None else own
        return ok if target in IN_SCOPE else out
    return status


def ladder_read(principal: str, target: str):
    return 404 if target == "other_company" else 200


def ladder_write(principal: str, target: str):
    """Editing a ladder needs HR for the whole company: refused before any ladder is looked
    up, so another company's ladder is refused the same way (as for a manager)."""
    return 403


def company_wide_only(principal: str, target: str):
    """An endpoint that names no object of a company: refused to scoped HR."""
    return 403


def company_wide_object(principal: str, target: str):
    """An object only HR for the whole company handles (an import batch): refused to scoped
    HR; another company's is 404."""
    return 404 if target == "other_company" else 403


def not_her_cycle(principal: str, target: str):
    """The matrix's cycle covers the whole company: not Greta's to manage, and she takes part
    in none of its sessions, so ``calibration.rules`` gives her nothing of it."""
    return 404 if target == "other_company" else 403


def not_her_entry(principal: str, target: str):
    """Entries of a cycle she neither manages nor takes part in: refused, in scope or not;
    her own is refused in any case."""
    return 404 if target == "other_company" else 403


# endpoint -> (Greta's expectation, Hugo's expectation), one family at a time
SIGNED_IN = {
    endpoint: (as_hr(endpoint), as_hr(endpoint)) for endpoint in (
        "main.home", "main.healthz", "auth.login", "auth.logout", "auth.change_password",
        "people.my_level", "ladders.index", "ladders.show", "static",
        "tokens.index", "tokens.create", "tokens.revoke", "api.openapi_document", "api.me",
        "api.list_all_ladders", "api.get_ladder", "api.get_track", "api.get_level",
    )
}

# Scoped HR sees and administers people only in her scope; herself as an employee does.
PEOPLE = {
    "people.index": (always(200), as_hr("people.index")),
    "people.show": (scoped(200), as_hr("people.show")),
    # nobody assigns their own level
    "people.assign": (scoped(200, own=403), as_hr("people.assign")),
    "people.distribution": (scoped(200), as_hr("people.distribution")),
    "people_admin.new": (always(200), as_hr("people_admin.new")),
    # her own edit page may show; what it would change is refused (see the self-edit test)
    "people_admin.edit": (scoped(200, own=frozenset({200, 403})), as_hr("people_admin.edit")),
    "people_admin.deactivate": (scoped(302, own=REFUSED), as_hr("people_admin.deactivate")),
    "people_admin.reactivate": (scoped(302, own=REFUSED), as_hr("people_admin.reactivate")),
    # the export holds the people of one's scope
    "people_import.export": (always(200), as_hr("people_import.export")),
}

# Importing people is for HR of the whole company (people.importer refuses anyone else, so
# confirming is refused). The upload form names nobody: it may show. A batch Hannah previewed
# names people outside Greta's scope (Hannah, as the new person's manager): refused.
PEOPLE_IMPORT = {
    "people_import.upload": (always(frozenset({200, 403})), as_hr("people_import.upload")),
    "people_import.preview": (company_wide_object, as_hr("people_import.preview")),
    "people_import.confirm": (company_wide_object, as_hr("people_import.confirm")),
    "people_import.status": (company_wide_object, as_hr("people_import.status")),
}

# The log names everyone in the company: HR for the whole company only.
AUDIT = {
    "audit.index": (company_wide_only, as_hr("audit.index")),
    "audit.export": (company_wide_only, as_hr("audit.export")),
    "api.list_audit_events": (company_wide_only, as_hr("api.list_audit_events")),
}

# Ladder editing needs HR for the whole company: the studio reads, every form and write not.
STUDIO_READS = ("studio.draft", "versions.history", "versions.compare", "versions.export",
                "versions.audit_trail")
STUDIO_WRITES = ("studio.new_track", "studio.edit_track", "studio.new_level",
                 "studio.edit_level", "studio.move_level", "studio.delete_level",
                 "studio.new_competency", "studio.edit_competency", "studio.move_competency",
                 "studio.retire_competency", "versions.publish", "versions.restore",
                 "versions.import_draft")
STUDIO = {
    **{endpoint: (ladder_read, as_hr(endpoint)) for endpoint in STUDIO_READS},
    **{endpoint: (ladder_write, as_hr(endpoint)) for endpoint in STUDIO_WRITES},
    "studio.new_ladder": (company_wide_only, as_hr("studio.new_ladder")),
    "versions.import_new": (company_wide_only, as_hr("versions.import_new")),
}
API_LADDERS = {
    **{endpoint: (ladder_read, as_hr(endpoint))
       for endpoint in ("api.list_versions", "api.get_version", "api.export")},
    **{endpoint: (ladder_write, as_hr(endpoint))
       for endpoint in ("api.patch_ladder", "api.patch_track", "api.patch_level",
                        "api.publish")},
    "api.create_ladder": (company_wide_only, as_hr("api.create_ladder")),
    "api.import_ladder": (company_wide_only, as_hr("api.import_ladder")),
}

API_PEOPLE = {
    "api.list_all_people": (always(200), as_hr("api.list_all_people")),
    "api.create_person": (always(422), as_hr("api.create_person")),  # empty body
    "api.get_person": (scoped(200), as_hr("api.get_person")),
    "api.patch_person": (scoped(428, own=API_REFUSED), as_hr("api.patch_person")),
    "api.person_expectations": (scoped(200), as_hr("api.person_expectations")),
    "api.list_assignments": (scoped(200), as_hr("api.list_assignments")),
    "api.get_assignment": (scoped(200), as_hr("api.get_assignment")),  # Greta holds P3
    "api.create_assignment": (scoped(422, own=403), as_hr("api.create_assignment")),
}

# Calibration: Greta manages only cycles whose population lies in her scope.
CALIBRATION = {
    "calibration.index": (always(200), as_hr("calibration.index")),
    "calibration.new_cycle": (always(200), as_hr("calibration.new_cycle")),
    **{endpoint: (not_her_cycle, as_hr(endpoint)) for endpoint in (
        "calibration.cycle", "calibration.edit_cycle", "calibration.advance",
        "calibration.finalize", "calibration.reopen", "calibration.new_session",
        "calibration.edit_session", "calibration.delete_session", "calibrate.prepare",
        "calibrate.export", "calibrate.session")},
    # Hugo's own entry is refused to him (entry_status: never one's own)
    "calibrate.entry": (not_her_entry, as_hr("calibrate.entry")),
    "calibrate.add_note": (not_her_entry, as_hr("calibrate.add_note")),
}
API_CALIBRATION = {
    "api.list_calibrations": (always(200), as_hr("api.list_calibrations")),
    "api.create_calibration": (always(422), as_hr("api.create_calibration")),
    **{endpoint: (not_her_cycle, as_hr(endpoint))
       for endpoint in ("api.get_calibration", "api.transition_calibration",
                        "api.list_entries")},
    **{endpoint: (not_her_entry, as_hr(endpoint))
       for endpoint in ("api.get_entry", "api.patch_entry", "api.list_notes", "api.add_note")},
}

# Granting: an empty grant form is a field error inside her scope, refused for herself and
# outside it. Notifications are one's own; failed jobs and the outbox name the whole company.
OTHER = {
    # an empty form changes nothing; her real self-grants are refused in the self-edit test
    "people_admin.grant_hr": (scoped(422, own=REFUSED), as_hr("people_admin.grant_hr")),
    "people_admin.revoke_grant": (scoped(302, own=REFUSED | {302}),
                                  as_hr("people_admin.revoke_grant")),
    "studio.save_ladder": (ladder_write, as_hr("studio.save_ladder")),
    **{endpoint: (as_hr(endpoint), as_hr(endpoint)) for endpoint in (
        "notifications.index", "notifications.mark_read", "notifications.mark_all_read",
        "notifications.preferences", "notifications.unsubscribe")},
    "notifications.outbox": (company_wide_only, as_hr("notifications.outbox")),
    "jobs.index": (company_wide_only, as_hr("jobs.index")),
    "jobs.retry": (company_wide_only, as_hr("jobs.retry")),
}

FAMILIES = {
    "signed_in": SIGNED_IN, "people": PEOPLE, "people_import": PEOPLE_IMPORT, "audit": AUDIT,
    "studio": STUDIO, "api_ladders": API_LADDERS, "api_people": API_PEOPLE,
    "calibration": CALIBRATION, "api_calibration": API_CALIBRATION, "other": OTHER,
}
PRINCIPALS = ("hrbp", "hr_subject")


def expectation(endpoint: str, principal: str):
    for family in FAMILIES.values():
        if endpoint in family:
            return family[endpoint][PRINCIPALS.index(principal)]
    raise KeyError(endpoint)


def hugo_reads(principal: str) -> int:
    """The audit variants and the session Hugo's entry is in: company-wide HR reads them
    (without a trace of his own entry), Greta does not."""
    return 200 if principal == "hr_subject" else 403


# Further paths, beyond the matrix's one per (endpoint, target): the audit filters that would
# pick out Hugo's entry, and the session his entry is in. {entry} is his entry, {cycle} the
# company's cycle, {session} the session "Everyone else", {hannah} Hannah's id.
EXTRA_PATHS = [
    ("audit.index", "/audit?target_type=CalibrationEntry"),
    ("audit.index", "/audit?target_type=CalibrationEntry&target_id={entry}"),
    ("audit.index", "/audit?action=calibration.entry.update"),
    ("audit.index", "/audit?action=calibration.note.add"),
    ("audit.index", "/audit?action=calibration.notes.read"),
    ("audit.index", "/audit?actor_email=hannah.hr%40acmetest.test"),
    ("audit.export", "/audit.csv?target_type=CalibrationEntry"),
    ("audit.export", "/audit.csv?target_type=CalibrationEntry&target_id={entry}"),
    ("audit.export", "/audit.csv?action=calibration.entry.update"),
    ("api.list_audit_events", "/api/v1/audit?target_type=CalibrationEntry"),
    ("api.list_audit_events", "/api/v1/audit?target_type=CalibrationEntry&target_id={entry}"),
    ("api.list_audit_events", "/api/v1/audit?action=calibration.entry.update"),
    ("api.list_audit_events", "/api/v1/audit?actor_id={hannah}"),
    ("calibrate.session", "/calibrations/sessions/{session}"),
    ("calibrate.session", "/calibrations/sessions/{session}?q=Hugo"),
    ("api.list_entries", "/api/v1/calibrations/{cycle}/entries?session_id={session}"),
]
