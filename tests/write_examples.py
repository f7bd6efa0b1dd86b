"""One valid submission for every endpoint that writes (POST, PUT, PATCH, DELETE).

``test_audit_coverage`` sends each and checks it left its audit event. ``test_csrf`` sends each
form without its CSRF token, and each API call (CSRF-exempt: cookies never authenticate it) with
the browser's session cookie instead of a bearer token, and checks it was refused. An endpoint
missing here fails both, so a new write endpoint cannot land without an example.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask

from orgladder.actors import OPERATOR_CLI, SYSTEM_SEED
from orgladder.auth.tokens import create_token
from orgladder.calibration.states import CycleState
from orgladder.extensions import csrf, db
from orgladder.ladders import catalog, editing, versions
from orgladder.people import grants, hr, importer

from .calibration_setup import entry_of, session_named, standard_cycle
from .factories import PASSWORD, Org, levels_of

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def write_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & WRITE_METHODS}


def csrf_exempt_endpoints(app: Flask) -> set[str]:
    """The endpoints CSRF protection skips, decided as Flask-WTF decides (exempt blueprints
    and views)."""
    exempt = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if (blueprint in csrf._exempt_blueprints
                or f"{view.__module__}.{view.__name__}" in csrf._exempt_views):
            exempt.add(rule.endpoint)
    return exempt


@dataclass
class Example:
    actor: str | None  # an Org attribute, or None for a visitor who is not signed in
    path: Callable[[Org], str]
    data: Callable[[Org], dict]  # the form's fields, or an API call's JSON body
    action: str  # the audit event the write leaves
    token_from: Callable[[Org], str] | None = None  # the page holding the form, if not path
    setup: Callable[[Org], None] = field(default=lambda org: None)
    files: bool = False
    status: int = 302  # the answer to a successful submission
    # An API call: sent with the actor's bearer token; a PATCH also with If-Match, the ETag of
    # a GET of the same path made just before.
    api: bool = False
    method: str = "POST"


def api_example(actor: str, method: str, path: Callable[[Org], str],
                body: Callable[[Org], dict], action: str, status: int = 200,
                setup: Callable[[Org], None] | None = None) -> Example:
    return Example(actor, path, body, action, setup=setup or (lambda org: None), status=status,
                   api=True, method=method)


def ladder_path(org: Org, suffix: str = "") -> str:
    return f"/ladders/{org.ladder_a.id}{suffix}"


def level(org: Org, code: str = "P2"):
    return levels_of(org.a)[code]


def track(org: Org):
    return org.ladder_a.tracks[0]


def competency(org: Org):
    return org.ladder_a.competencies[0]


def level_form(org: Org) -> dict:
    lv = level(org)
    return {"code": lv.code, "title": "Product Manager II", "grade": lv.grade or "",
            "min_years": lv.min_years, "max_years": "" if lv.max_years is None else lv.max_years,
            "summary": lv.summary, "responsibilities": "\n".join(lv.responsibilities),
            "skills": "\n".join(lv.skills), "revision": lv.revision}


def ladder_file(org: Org, name: str | None = None) -> dict:
    document = versions.draft_document(org.ladder_a)
    _, body = catalog.export(document, "json")
    if name:
        body = json.dumps({**json.loads(body), "name": name})
    return {"file": (io.BytesIO(body.encode()), "ladder.json")}


def change_the_draft(org: Org) -> None:
    ladder = org.ladder_a
    editing.update_ladder(org.hr, ladder, ladder.name, "Changed since version 1", ladder.revision)
    db.session.commit()


def person_form(org: Org) -> dict:
    state = hr.snapshot(org.emp)
    roles = [role for role in state["roles"] if role != "employee"]  # everyone is an employee
    return {**state, "name": "Eli Renamed", "roles": roles, "seen": json.dumps(state)}


def previewed_batch(org: Org) -> None:
    data = f"email,name,manager_email,level\nnew@acmetest.test,Nia New,{org.mgr.email},P1\n"
    _, plan, batch = importer.dry_run(org.hr, "people.csv", data.encode())
    assert batch is not None, plan.issues
    db.session.commit()
    org.batch_id = batch.id


def deactivate_peer(org: Org) -> None:
    hr.set_active(SYSTEM_SEED, org.peer, False)
    db.session.commit()


def cycle_in(state: str) -> Callable[[Org], None]:
    """A setup putting the standard calibration cycle in ``state``, kept as ``org.cycle``."""
    def setup(org: Org) -> None:
        org.cycle = standard_cycle(org, state)
    return setup


def cycle_path(org: Org, suffix: str = "") -> str:
    return f"/calibrations/{org.cycle.id}{suffix}"


def cycle_form(org: Org, name: str) -> dict:
    return {"name": name, "ladder": org.ladder_a.id, "population": 0,
            "period_start": "2026-07-01", "period_end": "2026-12-31", "due_date": "",
            "rating_scale": "Low\nSolid\nStrong", "potential_scale": "Low\nHigh",
            "target_distribution": "20, 60, 20"}


def monas_session(org: Org):
    return session_named(org.cycle, "Mona's team")


def entry_path(org: Org, suffix: str = "") -> str:
    return f"/calibrations/entries/{entry_of(org.cycle, org.emp).id}{suffix}"


def entry_form(org: Org) -> dict:
    return {"proposed_level": level(org, "P3").id, "performance": 4, "potential": 2,
            "promotion_ready": "y", "revision": entry_of(org.cycle, org.emp).revision}


CALIBRATION_EXAMPLES: dict[str, Example] = {
    "calibration.new_cycle": Example(
        "hr", lambda org: "/calibrations/new", lambda org: cycle_form(org, "Q3 review"),
        "calibration.cycle.create"),
    "calibration.edit_cycle": Example(
        "hr", lambda org: cycle_path(org, "/edit"),
        lambda org: {**cycle_form(org, "H2 2026, renamed"), "revision": org.cycle.revision},
        "calibration.cycle.update", setup=cycle_in(CycleState.DRAFT)),
    "calibration.advance": Example(
        "hr", lambda org: cycle_path(org, "/advance"),
        lambda org: {"target": CycleState.PREPARATION.value}, "calibration.cycle.transition",
        token_from=cycle_path, setup=cycle_in(CycleState.DRAFT)),
    "calibration.finalize": Example(
        "hr", lambda org: cycle_path(org, "/finalize"),
        lambda org: {"effective_date": date.today().isoformat()},
        "calibration.cycle.transition", setup=cycle_in(CycleState.IN_SESSION)),
    "calibration.reopen": Example(
        "hr", lambda org: cycle_path(org, "/reopen"),
        lambda org: {"reason": "Two levels were keyed in wrong."},
        "calibration.cycle.transition", setup=cycle_in(CycleState.FINALIZED)),
    "calibration.new_session": Example(
        "hr", lambda org: cycle_path(org, "/sessions/new"),
        lambda org: {"name": "Leo's team", "root": org.lead.id, "facilitator": org.hr.id,
                     "participants": [org.lead.id]},
        "calibration.session.create", setup=cycle_in(CycleState.DRAFT)),
    "calibration.edit_session": Example(
        "hr", lambda org: f"/calibrations/sessions/{monas_session(org).id}/edit",
        lambda org: {"name": "Mona's product team", "facilitator": org.hr.id,
                     "participants": [org.mgr.id, org.lead.id, org.boss.id],
                     "revision": monas_session(org).revision},
        "calibration.session.update", setup=cycle_in(CycleState.PREPARATION)),
    "calibration.delete_session": Example(
        "hr", lambda org: f"/calibrations/sessions/{monas_session(org).id}/delete",
        lambda org: {}, "calibration.session.delete", token_from=cycle_path,
        setup=cycle_in(CycleState.DRAFT)),
    "calibrate.entry": Example(
        "mgr", entry_path, entry_form, "calibration.entry.update",
        setup=cycle_in(CycleState.IN_SESSION)),
    "calibrate.add_note": Example(
        "mgr", lambda org: entry_path(org, "/notes"),
        lambda org: {"body": "Led the discovery work for the new billing flow."},
        "calibration.note.add", token_from=entry_path, setup=cycle_in(CycleState.IN_SESSION)),
}


def own_token(org: Org) -> None:
    token, _ = create_token(OPERATOR_CLI, org.emp, "Old script")
    db.session.commit()
    org.token_id = token.id


TOKEN_EXAMPLES: dict[str, Example] = {
    "tokens.create": Example("emp", lambda org: "/account/tokens",
                             lambda org: {"name": "HR system sync"}, "token.create",
                             status=201),
    "tokens.revoke": Example("emp", lambda org: f"/account/tokens/{org.token_id}/revoke",
                             lambda org: {}, "token.revoke",
                             token_from=lambda org: "/account/tokens", setup=own_token),
}


def a_notification(org: Org) -> None:
    from orgladder.notifications.deliver import deliver
    from orgladder.notifications.kinds import LEVEL_CHANGED, Message

    [note] = deliver([Message(org.emp, LEVEL_CHANGED, "Your level", "News.", None, "example")])
    db.session.commit()
    org.note_id = note.id


def a_failed_job(org: Org) -> None:
    from orgladder.jobs.models import JobFailure

    failure = JobFailure(company_id=org.a.id, job="orgladder.notifications.outbox.dispatch",
                         arguments={"event_ids": []}, error="RuntimeError: example")
    db.session.add(failure)
    db.session.commit()
    org.failure_id = failure.id


def unsubscribe_link(org: Org) -> str:
    from orgladder.notifications.mail import unsubscribe_token

    return f"/unsubscribe/{unsubscribe_token(org.emp, 'level_changed')}"


NOTIFICATION_EXAMPLES: dict[str, Example] = {
    "notifications.mark_read": Example(
        "emp", lambda org: f"/notifications/{org.note_id}/read", lambda org: {},
        "notification.read", token_from=lambda org: "/notifications", setup=a_notification),
    "notifications.mark_all_read": Example(
        "emp", lambda org: "/notifications/read-all", lambda org: {}, "notification.read_all",
        token_from=lambda org: "/notifications", setup=a_notification),
    "notifications.preferences": Example(
        "emp", lambda org: "/notifications/preferences",
        lambda org: {"level_changed": "digest_weekly", "preparation_opened": "email",
                     "preparation_reminder": "email", "import_finished": "email"},
        "notification.preferences"),
    "jobs.retry": Example("hr", lambda org: f"/jobs/{org.failure_id}/retry", lambda org: {},
                          "job.retry", token_from=lambda org: "/jobs", setup=a_failed_job),
}

# Exempt from CSRF as the API is, for another reason: the signed token in the link is the
# proof (a mail client's one-click unsubscribe POST carries no form and no cookie).
SIGNED_LINK_EXAMPLES: dict[str, Example] = {
    "notifications.unsubscribe": Example(None, unsubscribe_link, lambda org: {},
                                         "notification.unsubscribe", status=200),
}


def api_ladder(org: Org, suffix: str = "") -> str:
    return f"/api/v1/ladders/{org.ladder_a.id}{suffix}"


def api_cycle(org: Org, suffix: str = "") -> str:
    return f"/api/v1/calibrations/{org.cycle.id}{suffix}"


def api_entry(org: Org, suffix: str = "") -> str:
    return api_cycle(org, f"/entries/{entry_of(org.cycle, org.emp).id}{suffix}")


def ladder_document(org: Org) -> dict:
    _, body = catalog.export(versions.draft_document(org.ladder_a), "json")
    return {**json.loads(body), "name": "Imported ladder"}


API_EXAMPLES: dict[str, Example] = {
    "api.create_person": api_example(
        "hr", "POST", lambda org: "/api/v1/people",
        lambda org: {"name": "Nina New", "email": "nina@acmetest.test",
                     "manager_id": org.mgr.id, "profession_start": "2020-01-01"},
        "person.create", 201),
    "api.patch_person": api_example(
        "hr", "PATCH", lambda org: f"/api/v1/people/{org.emp.id}",
        lambda org: {"name": "Eli Renamed"}, "person.update"),
    "api.create_assignment": api_example(
        "mgr", "POST", lambda org: f"/api/v1/people/{org.emp.id}/assignments",
        lambda org: {"level_id": level(org, "P3").id,
                     "effective_date": date.today().isoformat(),
                     "reason": "Leads discovery on her own"}, "level.assign", 201),
    "api.create_ladder": api_example(
        "hr", "POST", lambda org: "/api/v1/ladders",
        lambda org: {"name": "Design", "source": "empty"}, "ladder.create", 201),
    "api.patch_ladder": api_example(
        "hr", "PATCH", api_ladder, lambda org: {"description": "How product people grow"},
        "ladder.update"),
    "api.patch_track": api_example(
        "hr", "PATCH", lambda org: api_ladder(org, f"/tracks/{track(org).id}"),
        lambda org: {"name": "Individual contributors"}, "track.update"),
    "api.patch_level": api_example(
        "hr", "PATCH", lambda org: api_ladder(org, f"/levels/{level(org).id}"),
        lambda org: {"title": "Product Manager II"}, "level.update"),
    "api.publish": api_example(
        "hr", "POST", lambda org: api_ladder(org, "/publish"),
        lambda org: {"summary": "A clearer description"}, "ladder.publish", 201,
        setup=change_the_draft),
    "api.import_ladder": api_example(
        "hr", "POST", lambda org: "/api/v1/ladders/import", ladder_document, "ladder.import",
        201),
    "api.create_calibration": api_example(
        "hr", "POST", lambda org: "/api/v1/calibrations",
        lambda org: {"name": "Q3 review", "ladder_id": org.ladder_a.id,
                     "period_start": "2026-07-01", "period_end": "2026-12-31"},
        "calibration.cycle.create", 201),
    "api.transition_calibration": api_example(
        "hr", "POST", lambda org: api_cycle(org, "/transition"),
        lambda org: {"to": CycleState.PREPARATION.value}, "calibration.cycle.transition",
        setup=cycle_in(CycleState.DRAFT)),
    "api.patch_entry": api_example(
        "mgr", "PATCH", api_entry, lambda org: {"performance": 4, "promotion_ready": True},
        "calibration.entry.update", setup=cycle_in(CycleState.IN_SESSION)),
    "api.add_note": api_example(
        "mgr", "POST", lambda org: api_entry(org, "/notes"),
        lambda org: {"body": "Led the discovery work for the new billing flow."},
        "calibration.note.add", 201, setup=cycle_in(CycleState.IN_SESSION)),
}


WRITE_EXAMPLES: dict[str, Example] = {
    "auth.login": Example(None, lambda org: "/login",
                          lambda org: {"email": org.emp.email, "password": PASSWORD},
                          "auth.login"),
    "auth.logout": Example("emp", lambda org: "/logout", lambda org: {}, "auth.logout",
                           token_from=lambda org: "/"),
    "auth.change_password": Example(
        "emp", lambda org: "/account/password",
        lambda org: {"current_password": PASSWORD, "new_password": "plum kettle orbit",
                     "confirm": "plum kettle orbit"}, "auth.password_change"),
    "people.assign": Example(
        "mgr", lambda org: f"/people/{org.emp.id}/level",
        lambda org: {"level": level(org, "P3").id, "effective_date": date.today().isoformat(),
                     "reason": "Leads discovery on her own"}, "level.assign"),
    "people_admin.new": Example(
        "hr", lambda org: "/people/new",
        lambda org: {"name": "Nina New", "email": "nina@acmetest.test",
                     "manager_email": org.mgr.email, "profession_start": "2020-01-01"},
        "person.create"),
    "people_admin.edit": Example("hr", lambda org: f"/people/{org.emp.id}/edit", person_form,
                                 "person.update"),
    "people_admin.grant_hr": Example(
        "hr", lambda org: f"/people/{org.emp.id}/grants",
        lambda org: {"scope_email": org.mgr.email}, "person.grant",
        token_from=lambda org: f"/people/{org.emp.id}/edit"),
    "people_admin.revoke_grant": Example(
        "hr", lambda org: f"/people/{org.emp.id}/grants/revoke",
        lambda org: {"grant_id": next(g.id for g in org.emp.grants if g.scope_root_id)},
        "person.revoke", token_from=lambda org: f"/people/{org.emp.id}/edit",
        setup=lambda org: grants.grant_role(org.hr, org.emp, "hr", org.mgr)),
    "people_admin.deactivate": Example(
        "hr", lambda org: f"/people/{org.emp2.id}/deactivate", lambda org: {},
        "person.deactivate", token_from=lambda org: f"/people/{org.emp2.id}"),
    "people_admin.reactivate": Example(
        "hr", lambda org: f"/people/{org.peer.id}/reactivate", lambda org: {}, "person.activate",
        token_from=lambda org: f"/people/{org.peer.id}", setup=deactivate_peer),
    "people_import.upload": Example(
        "hr", lambda org: "/people/import",
        lambda org: {"file": (io.BytesIO(
            f"email,name,manager_email,level\nnew@acmetest.test,Nia New,{org.mgr.email},P1\n"
            .encode()), "people.csv")}, "people.import_dry_run", files=True),
    "people_import.confirm": Example(
        "hr", lambda org: f"/people/import/{org.batch_id}/confirm", lambda org: {},
        "people.import", token_from=lambda org: f"/people/import/{org.batch_id}",
        setup=previewed_batch),
    "studio.new_ladder": Example(
        "hr", lambda org: "/ladders/new",
        lambda org: {"name": "Design", "source": "empty", "copy_from": 0}, "ladder.create"),
    "studio.save_ladder": Example(
        "hr", lambda org: ladder_path(org, "/draft"),
        lambda org: {"name": "Product", "description": "", "revision": org.ladder_a.revision},
        "ladder.update"),
    "studio.new_track": Example(
        "hr", lambda org: ladder_path(org, "/tracks/new"),
        lambda org: {"name": "Specialist", "kind": "specialist",
                     "start_level": level(org).id, "code": "S2", "title": "Specialist"},
        "track.add"),
    "studio.edit_track": Example(
        "hr", lambda org: ladder_path(org, f"/tracks/{track(org).id}"),
        lambda org: {"name": "Individual contributors", "kind": track(org).kind,
                     "revision": track(org).revision}, "track.update"),
    "studio.new_level": Example(
        "hr", lambda org: ladder_path(org, f"/tracks/{track(org).id}/levels/new"),
        lambda org: {"code": "P9", "title": "Distinguished", "grade": "", "min_years": 15,
                     "max_years": "", "summary": "", "responsibilities": "", "skills": "",
                     "after": 0}, "level.add"),
    "studio.edit_level": Example(
        "hr", lambda org: ladder_path(org, f"/levels/{level(org).id}"), level_form,
        "level.update"),
    "studio.move_level": Example(
        "hr", lambda org: ladder_path(org, f"/levels/{level(org, 'P1').id}/move"),
        lambda org: {"direction": "up"}, "level.reorder",
        token_from=lambda org: ladder_path(org, "/draft")),
    "studio.delete_level": Example(
        "hr", lambda org: ladder_path(org, f"/levels/{level(org, 'P1').id}/delete"),
        lambda org: {"move_to": level(org, "P2").id}, "level.delete"),
    "studio.new_competency": Example(
        "hr", lambda org: ladder_path(org, "/competencies/new"),
        lambda org: {"name": "Writing", "description": "Clear, short prose"},
        "competency.add"),
    "studio.edit_competency": Example(
        "hr", lambda org: ladder_path(org, f"/competencies/{competency(org).id}"),
        lambda org: {"name": competency(org).name, "description": "Says what matters",
                     "revision": competency(org).revision}, "competency.update"),
    "studio.move_competency": Example(
        "hr", lambda org: ladder_path(org, f"/competencies/{competency(org).id}/move"),
        lambda org: {"direction": "down"}, "competency.reorder",
        token_from=lambda org: ladder_path(org, "/draft")),
    "studio.retire_competency": Example(
        "hr", lambda org: ladder_path(org, f"/competencies/{competency(org).id}/retire"),
        lambda org: {}, "competency.retire", token_from=lambda org: ladder_path(org, "/draft")),
    "versions.publish": Example(
        "hr", lambda org: ladder_path(org, "/publish"),
        lambda org: {"summary": "A clearer description"}, "ladder.publish",
        token_from=lambda org: ladder_path(org, "/draft"), setup=change_the_draft),
    "versions.restore": Example(
        "hr", lambda org: ladder_path(org, "/versions/1/restore"), lambda org: {},
        "ladder.restore", token_from=lambda org: ladder_path(org, "/versions"),
        setup=change_the_draft),
    "versions.import_new": Example(
        "hr", lambda org: "/ladders/import", lambda org: ladder_file(org, "Imported ladder"),
        "ladder.import", files=True),
    "versions.import_draft": Example(
        "hr", lambda org: ladder_path(org, "/import"), ladder_file, "ladder.import_draft",
        files=True),
    **CALIBRATION_EXAMPLES,
    **TOKEN_EXAMPLES,
    **NOTIFICATION_EXAMPLES,
    **SIGNED_LINK_EXAMPLES,
    **API_EXAMPLES,
}
FORM_EXAMPLES = {endpoint: example for endpoint, example in WRITE_EXAMPLES.items()
                 if not example.api and endpoint not in SIGNED_LINK_EXAMPLES}
