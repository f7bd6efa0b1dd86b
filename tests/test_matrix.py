"""The authorization matrix: every endpoint, as every kind of actor, against every kind of
target. It checks the status and that nothing of another company leaks into the body.

Adding an endpoint without adding it here fails ``test_matrix_covers_every_endpoint``.
"""

from __future__ import annotations

import pytest

from orgladder.actors import OPERATOR_CLI
from orgladder.extensions import db

from .factories import PASSWORD, Org, make_token

ACTORS = ["anonymous", "employee", "manager", "hr", "hr_other"]
TARGETS = ["own", "direct", "indirect", "peer", "other_company"]
LOGIN = 302  # anonymous requests to protected pages are sent to the sign-in page


def actor_of(org: Org, actor: str):
    # principals a test adds to its org (see test_matrix_principals) are found by name
    return ({"employee": org.emp, "manager": org.mgr, "hr": org.hr, "hr_other": org.hr_b}.get(actor)
            or getattr(org, "principals", {}).get(actor))


def person_target(org: Org, actor: str, target: str):
    if target == "own":
        return actor_of(org, actor) or org.emp
    if actor == "hr_other" and target == "other_company":
        return org.emp  # from company B, company A is the other company
    return {"direct": org.emp, "indirect": org.emp2, "peer": org.peer,
            "other_company": org.b_person,
            # inside and outside the scope of an HR business partner for Mona's team
            "partner_in": org.lead, "partner_out": org.peer_mgr}[target]


def person_status(actor: str, target: str) -> int:
    if actor == "anonymous":
        return LOGIN
    if actor == "employee":
        return 403  # the people pages need VIEW_PEOPLE, whoever the target is
    if actor == "hr_other":
        return 200 if target == "own" else 404
    if target == "other_company":
        return 404
    if actor == "manager" and target == "peer":
        return 403
    return 200


def ladder_status(actor: str, target: str) -> int:
    if actor == "anonymous":
        return LOGIN
    return 404 if target == "other_company" else 200


def signed_in(status: int):
    return lambda actor, target: LOGIN if actor == "anonymous" else status


def people_page(actor: str, target: str) -> int:
    return LOGIN if actor == "anonymous" else 403 if actor == "employee" else 200


# endpoint -> (method, path builder, expected status)
MATRIX = {
    "main.home": ("GET", lambda org, t: "/", signed_in(200)),
    "main.healthz": ("GET", lambda org, t: "/healthz", lambda a, t: 200),
    "auth.login": ("GET", lambda org, t: "/login", lambda a, t: 200 if a == "anonymous" else 302),
    "auth.logout": ("POST", lambda org, t: "/logout", signed_in(302)),
    "auth.change_password": ("GET", lambda org, t: "/account/password", signed_in(200)),
    "people.my_level": ("GET", lambda org, t: "/me", signed_in(200)),
    "people.index": ("GET", lambda org, t: "/people", people_page),
    "people.show": ("GET", None, person_status),
    "ladders.index": ("GET", lambda org, t: "/ladders", signed_in(200)),
    "ladders.show": ("GET", None, ladder_status),
    "static": ("GET", lambda org, t: "/static/css/app.css", lambda a, t: 200),
    # People and levels
    # nobody assigns their own level: the form is refused for oneself
    "people.assign": ("GET", None, lambda a, t: 403 if t == "own" and a != "anonymous"
                      else person_status(a, t)),
    "people.distribution": ("GET", None, person_status),
    "people_admin.new": ("GET", lambda org, t: "/people/new", lambda a, t: hr_only(a, 200)),
    "people_admin.edit": ("GET", None, lambda a, t: admin_status(a, t, 200)),
    # nobody changes their own status: refused for oneself
    "people_admin.deactivate": ("POST", None, lambda a, t: self_refused(a, t, 302)),
    "people_admin.reactivate": ("POST", None, lambda a, t: self_refused(a, t, 302)),
    # an empty grant form is a form error; an empty revoke names no grant, so nothing happens
    "people_admin.grant_hr": ("POST", None, lambda a, t: admin_status(a, t, 422)),
    "people_admin.revoke_grant": ("POST", None, lambda a, t: admin_status(a, t, 302)),
    "people_import.upload": ("GET", lambda org, t: "/people/import", lambda a, t: hr_only(a, 200)),
    "people_import.preview": ("GET", None, lambda a, t: batch_status(a, t, 200)),
    "people_import.confirm": ("POST", None, lambda a, t: batch_status(a, t, 302)),
    "people_import.status": ("GET", None, lambda a, t: batch_status(a, t, 200)),
    "people_import.export": ("GET", lambda org, t: "/people/export.csv",
                             lambda a, t: hr_only(a, 200)),
    # The audit log: HR of the company, their own company's events only
    "audit.index": ("GET", lambda org, t: "/audit", lambda a, t: hr_only(a, 200)),
    "audit.export": ("GET", lambda org, t: "/audit.csv", lambda a, t: hr_only(a, 200)),
}


def hr_only(actor: str, status: int) -> int:
    return LOGIN if actor == "anonymous" else status if actor in ("hr", "hr_other") else 403


def admin_status(actor: str, target: str, status: int) -> int:
    if actor not in ("hr", "hr_other"):
        return hr_only(actor, status)
    if target == "other_company" or (actor == "hr_other" and target != "own"):
        return 404
    return status


def self_refused(actor: str, target: str, status: int) -> int:
    if target == "own" and actor in ("hr", "hr_other"):
        return 403
    return admin_status(actor, target, status)


def batch_status(actor: str, target: str, status: int) -> int:
    if actor not in ("hr", "hr_other"):
        return hr_only(actor, status)
    return 404 if target == "other_company" else status


_batches = iter(range(10**6))


def make_batch(org: Org, actor: str, target: str) -> int:
    """A previewed import of one new person, in the actor's company or the other one."""
    from orgladder.extensions import db
    from orgladder.people.importer import dry_run

    own_b = actor == "hr_other"
    company_b = own_b != (target == "other_company")
    hr = org.hr_b if company_b else org.hr
    number = next(_batches)
    data = ("email,name,manager_email,level\n"
            f"matrix{number}@{'b' if company_b else 'a'}.test,Mat Rix,{hr.email},P1\n").encode()
    _, plan, batch = dry_run(hr, "matrix.csv", data)
    assert batch is not None, plan.issues
    db.session.commit()
    return batch.id


PERSON_PATHS = {
    "people.show": "/people/{id}",
    "people.assign": "/people/{id}/level",
    "people.distribution": "/people/levels?manager={id}",
    "people_admin.edit": "/people/{id}/edit",
    "people_admin.deactivate": "/people/{id}/deactivate",
    "people_admin.reactivate": "/people/{id}/reactivate",
    "people_admin.grant_hr": "/people/{id}/grants",
    "people_admin.revoke_grant": "/people/{id}/grants/revoke",
}
BATCH_PATHS = {
    "people_import.preview": "/people/import/{id}",
    "people_import.confirm": "/people/import/{id}/confirm",
    "people_import.status": "/people/import/{id}/status",
}


def studio_status(ok: int, company_wide: bool = False):
    """Editing endpoints: HR of the ladder's company only; another company's ladder is 404."""
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return LOGIN
        if actor in ("employee", "manager"):
            return 403
        return 404 if target == "other_company" and not company_wide else ok
    return status


# endpoint -> (method, path under the ladder, status); "{t}" track, "{l}" level, "{c}" competency
STUDIO = {
    "studio.new_ladder": ("GET", "/ladders/new", studio_status(200, company_wide=True)),
    "versions.import_new": ("GET", "/ladders/import", studio_status(200, company_wide=True)),
    "studio.draft": ("GET", "/draft", studio_status(200)),
    "studio.save_ladder": ("POST", "/draft", studio_status(422)),  # an empty form
    "studio.new_track": ("GET", "/tracks/new", studio_status(200)),
    "studio.edit_track": ("GET", "/tracks/{t}", studio_status(200)),
    "studio.new_level": ("GET", "/tracks/{t}/levels/new", studio_status(200)),
    "studio.edit_level": ("GET", "/levels/{l}", studio_status(200)),
    "studio.move_level": ("POST", "/levels/{l}/move", studio_status(302)),
    "studio.delete_level": ("GET", "/levels/{l}/delete", studio_status(200)),
    "studio.new_competency": ("GET", "/competencies/new", studio_status(200)),
    "studio.edit_competency": ("GET", "/competencies/{c}", studio_status(200)),
    "studio.move_competency": ("POST", "/competencies/{c}/move", studio_status(302)),
    "studio.retire_competency": ("POST", "/competencies/{c}/retire", studio_status(302)),
    "versions.publish": ("POST", "/publish", studio_status(422)),
    "versions.history": ("GET", "/versions", studio_status(200)),
    "versions.compare": ("GET", "/compare?a=1&b=draft", studio_status(200)),
    "versions.restore": ("POST", "/versions/1/restore", studio_status(302)),
    "versions.export": ("GET", "/export.yaml", studio_status(200)),
    "versions.import_draft": ("GET", "/import", studio_status(200)),
    "versions.audit_trail": ("GET", "/audit", studio_status(200)),
}
MATRIX.update({endpoint: (method, None, status) for endpoint, (method, _, status)
               in STUDIO.items()})


def calibration_status(ok: int, hr_only: bool = False):
    """Cycle and session endpoints: the actor's own company's cycle (Mona takes part in its
    session "Mona's team") or, as target "other_company", the other company's."""
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return LOGIN
        if actor == "employee" or (actor == "manager" and hr_only):
            return 403
        return 404 if target == "other_company" else ok
    return status


def entry_status(ok: int):
    """An entry is the target person's: never one's own; Mona sees her session's entries
    (Eli, Ida), not Pia's, who is in another session."""
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return LOGIN
        if actor == "employee" or target == "own":
            return 403
        if actor == "hr_other" or target == "other_company":
            return 404
        return 403 if actor == "manager" and target == "peer" else ok
    return status


# endpoint -> (method, path with {cycle}, {session} or {entry}, status)
CALIBRATION = {
    "calibration.index": ("GET", "/calibrations", lambda a, t: people_page(a, t)),
    "calibration.new_cycle": ("GET", "/calibrations/new", lambda a, t: hr_only(a, 200)),
    "calibration.cycle": ("GET", "/calibrations/{cycle}", calibration_status(200)),
    # the cycle is in session: settings, new sessions and reopening send back to the cycle
    "calibration.edit_cycle": ("GET", "/calibrations/{cycle}/edit",
                               calibration_status(302, True)),
    "calibration.advance": ("POST", "/calibrations/{cycle}/advance",
                            calibration_status(302, True)),
    "calibration.finalize": ("GET", "/calibrations/{cycle}/finalize",
                             calibration_status(200, True)),
    "calibration.reopen": ("GET", "/calibrations/{cycle}/reopen", calibration_status(302, True)),
    "calibration.new_session": ("GET", "/calibrations/{cycle}/sessions/new",
                                calibration_status(302, True)),
    "calibration.edit_session": ("GET", "/calibrations/sessions/{session}/edit",
                                 calibration_status(200, True)),
    "calibration.delete_session": ("POST", "/calibrations/sessions/{session}/delete",
                                   calibration_status(302, True)),
    "calibrate.prepare": ("GET", "/calibrations/{cycle}/prepare", calibration_status(200)),
    "calibrate.export": ("GET", "/calibrations/{cycle}/export.csv", calibration_status(200)),
    "calibrate.session": ("GET", "/calibrations/sessions/{session}", calibration_status(200)),
    "calibrate.entry": ("GET", "/calibrations/entries/{entry}", entry_status(200)),
    # an empty note is a form error
    "calibrate.add_note": ("POST", "/calibrations/entries/{entry}/notes", entry_status(422)),
}
MATRIX.update({endpoint: (method, None, status) for endpoint, (method, _, status)
               in CALIBRATION.items()})


def calibration_path(endpoint: str, org: Org, actor: str, target: str) -> str:
    return fill_calibration(CALIBRATION[endpoint][1], org, actor, target)


def fill_calibration(template: str, org: Org, actor: str, target: str) -> str:
    """An entry path names the target person's entry (and its cycle); a cycle or session path
    the actor's own company's cycle, or the other company's."""
    from .calibration_setup import entry_of, other_company_cycle, standard_cycle

    if not hasattr(org, "cycles"):
        org.cycles = {"a": standard_cycle(org), "b": other_company_cycle(org)}
    if "{entry}" in template:
        person = person_target(org, actor, target)
        cycle = org.cycles["a" if person.company_id == org.a.id else "b"]
        return template.format(entry=entry_of(cycle, person).id, cycle=cycle.id)
    own, other = ("b", "a") if actor == "hr_other" else ("a", "b")
    cycle = org.cycles[other if target == "other_company" else own]
    session = next(s for s in cycle.sessions if s.name in ("Mona's team", "Everyone"))
    return template.format(cycle=cycle.id, session=session.id)


def studio_path(endpoint: str, ladder) -> str:
    suffix = STUDIO[endpoint][1]
    if suffix.startswith("/ladders/"):
        return suffix
    track = ladder.tracks[0]
    return f"/ladders/{ladder.id}" + suffix.format(
        t=track.id, l=track.levels[0].id, c=ladder.competencies[0].id)


def path_for(endpoint: str, org: Org, actor: str, target: str) -> str:
    method, build, _ = MATRIX[endpoint]
    if endpoint in PERSON_PATHS:
        return PERSON_PATHS[endpoint].format(id=person_target(org, actor, target).id)
    if endpoint in BATCH_PATHS:
        return BATCH_PATHS[endpoint].format(id=make_batch(org, actor, target))
    if endpoint == "ladders.show":
        own, other = (org.ladder_a, org.ladder_b)
        if actor == "hr_other":
            own, other = other, own
        ladder = other if target == "other_company" else own
        return f"/ladders/{ladder.id}"
    if endpoint in CALIBRATION:
        return calibration_path(endpoint, org, actor, target)
    if endpoint in API:
        return api_path(endpoint, org, actor, target)
    if endpoint == "tokens.revoke":
        return token_path(org, actor, target)
    if endpoint in NOTIFY_PATHS:
        return NOTIFY_PATHS[endpoint](org, actor, target)
    if endpoint in STUDIO:
        own, other = (org.ladder_a, org.ladder_b)
        if actor == "hr_other":
            own, other = other, own
        return studio_path(endpoint, other if target == "other_company" else own)
    return build(org, target)


def token_status(actor: str, target: str) -> int:
    """Revoking a token: one's own (302 back to the page); anyone else's does not exist."""
    if actor == "anonymous":
        return LOGIN
    return 302 if target == "own" else 404


MATRIX.update({
    "tokens.index": ("GET", lambda org, t: "/account/tokens", signed_in(200)),
    "tokens.create": ("POST", lambda org, t: "/account/tokens", signed_in(422)),  # no name
    "tokens.revoke": ("POST", None, token_status),
    # Notifications: one's own only; failed jobs and the outbox: HR of the whole company
    "notifications.index": ("GET", lambda org, t: "/notifications", signed_in(200)),
    "notifications.mark_read": ("POST", None, token_status),
    "notifications.mark_all_read": ("POST", lambda org, t: "/notifications/read-all",
                                    signed_in(302)),
    "notifications.preferences": ("GET", lambda org, t: "/notifications/preferences",
                                  signed_in(200)),
    "notifications.unsubscribe": ("GET", None, lambda a, t: 200),  # the signed link is the key
    "notifications.outbox": ("GET", lambda org, t: "/outbox", lambda a, t: hr_only(a, 200)),
    "jobs.index": ("GET", lambda org, t: "/jobs", lambda a, t: hr_only(a, 200)),
    "jobs.retry": ("POST", None, lambda a, t: batch_status(a, t, 302)),
})


# The API: a bearer token, never a session; no token is 401, never a redirect.
UNAUTHENTICATED = 401


def api_signed_in(status: int):
    return lambda actor, target: UNAUTHENTICATED if actor == "anonymous" else status


def api_person(ok: int, *, needs: str = "view_self"):
    """A person's resource: oneself, one's scope; another company's is 404. ``needs`` names
    the permission the operation requires: anything beyond view_self refuses an employee."""
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return UNAUTHENTICATED
        if actor == "employee":
            if needs != "view_self":
                return 403
            if target in ("own", "direct"):  # an employee's "direct" target is themself
                return ok
            return 404 if target == "other_company" else 403
        if actor == "hr_other":
            return ok if target == "own" else 404
        if target == "other_company":
            return 404
        if actor == "manager" and target == "peer":
            return 403
        return ok
    return status


def api_hr_person(ok: int):
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return UNAUTHENTICATED
        return admin_status(actor, target, ok)
    return status


def api_assign(actor: str, target: str) -> int:
    """Assigning a level: never to oneself; a manager only in their line (empty body: 422)."""
    if target == "own" and actor in ("manager", "hr", "hr_other"):
        return 403
    return api_person(422, needs="assign_level")(actor, target)


def api_assignment(actor: str, target: str) -> int:
    if actor in ("hr", "hr_other") and target == "own":
        return 404  # HR holds no level in the factories: no decision to read
    return api_person(200)(actor, target)


def api_ladder(ok: int):
    return lambda actor, target: (UNAUTHENTICATED if actor == "anonymous"
                                  else 404 if target == "other_company" else ok)


def api_studio(ok: int, company_wide: bool = False):
    def status(actor: str, target: str) -> int:
        if actor == "anonymous":
            return UNAUTHENTICATED
        return studio_status(ok, company_wide)(actor, target)
    return status


def api_hr(ok: int):
    return lambda actor, target: (UNAUTHENTICATED if actor == "anonymous"
                                  else ok if actor in ("hr", "hr_other") else 403)


def api_twin(page_status):
    """The API answers as the page does, but 401 where the page sends to the sign-in page."""
    return lambda actor, target: (UNAUTHENTICATED if actor == "anonymous"
                                  else page_status(actor, target))


# endpoint -> (method, path; {ladder} {track} {level} {person} {assignment} {cycle} {entry},
# status). Writes send an empty JSON body and no If-Match: a permitted caller gets 422 or 428,
# never a change.
API = {
    "api.openapi_document": ("GET", "/api/v1/openapi.json", lambda a, t: 200),
    "api.me": ("GET", "/api/v1/me", api_signed_in(200)),
    "api.list_all_ladders": ("GET", "/api/v1/ladders", api_signed_in(200)),
    "api.create_ladder": ("POST", "/api/v1/ladders", api_studio(422, company_wide=True)),
    "api.get_ladder": ("GET", "/api/v1/ladders/{ladder}", api_ladder(200)),
    "api.patch_ladder": ("PATCH", "/api/v1/ladders/{ladder}", api_studio(428)),
    "api.get_track": ("GET", "/api/v1/ladders/{ladder}/tracks/{track}", api_ladder(200)),
    "api.patch_track": ("PATCH", "/api/v1/ladders/{ladder}/tracks/{track}", api_studio(428)),
    "api.get_level": ("GET", "/api/v1/ladders/{ladder}/levels/{level}", api_ladder(200)),
    "api.patch_level": ("PATCH", "/api/v1/ladders/{ladder}/levels/{level}", api_studio(428)),
    "api.publish": ("POST", "/api/v1/ladders/{ladder}/publish", api_studio(422)),
    "api.list_versions": ("GET", "/api/v1/ladders/{ladder}/versions", api_studio(200)),
    "api.get_version": ("GET", "/api/v1/ladders/{ladder}/versions/1", api_studio(200)),
    "api.export": ("GET", "/api/v1/ladders/{ladder}/export?format=yaml", api_studio(200)),
    "api.import_ladder": ("POST", "/api/v1/ladders/import", api_studio(422, company_wide=True)),
    "api.list_all_people": ("GET", "/api/v1/people",
                            lambda a, t: api_person(200, needs="view_people")(a, "own")),
    "api.create_person": ("POST", "/api/v1/people", api_hr(422)),
    "api.get_person": ("GET", "/api/v1/people/{person}", api_person(200)),
    "api.patch_person": ("PATCH", "/api/v1/people/{person}", api_hr_person(428)),
    "api.person_expectations": ("GET", "/api/v1/people/{person}/expectations",
                                api_person(200)),
    "api.list_assignments": ("GET", "/api/v1/people/{person}/assignments", api_person(200)),
    "api.get_assignment": ("GET", "/api/v1/people/{person}/assignments/{assignment}",
                           api_assignment),
    "api.create_assignment": ("POST", "/api/v1/people/{person}/assignments", api_assign),
    "api.list_audit_events": ("GET", "/api/v1/audit", api_hr(200)),
    # Calibrations: as the cycle and entry pages (see calibration_status and entry_status)
    "api.list_calibrations": ("GET", "/api/v1/calibrations", api_twin(people_page)),
    "api.create_calibration": ("POST", "/api/v1/calibrations", api_hr(422)),
    "api.get_calibration": ("GET", "/api/v1/calibrations/{cycle}",
                            api_twin(calibration_status(200))),
    "api.transition_calibration": ("POST", "/api/v1/calibrations/{cycle}/transition",
                                   api_twin(calibration_status(422, hr_only=True))),
    "api.list_entries": ("GET", "/api/v1/calibrations/{cycle}/entries",
                         api_twin(calibration_status(200))),
    "api.get_entry": ("GET", "/api/v1/calibrations/{cycle}/entries/{entry}",
                      api_twin(entry_status(200))),
    "api.patch_entry": ("PATCH", "/api/v1/calibrations/{cycle}/entries/{entry}",
                        api_twin(entry_status(428))),
    "api.list_notes": ("GET", "/api/v1/calibrations/{cycle}/entries/{entry}/notes",
                       api_twin(entry_status(200))),
    "api.add_note": ("POST", "/api/v1/calibrations/{cycle}/entries/{entry}/notes",
                     api_twin(entry_status(422))),
}
MATRIX.update({endpoint: (method, None, status) for endpoint, (method, _, status)
               in API.items()})


def api_path(endpoint: str, org: Org, actor: str, target: str) -> str:
    from orgladder.people.service import current_assignment

    template = API[endpoint][1]
    if "{cycle}" in template:
        return fill_calibration(template, org, actor, target)
    own, other = (org.ladder_a, org.ladder_b)
    if actor == "hr_other":
        own, other = other, own
    ladder = other if target == "other_company" else own
    track = ladder.tracks[0]
    person = person_target(org, actor, target)
    assignment = current_assignment(person)
    return template.format(ladder=ladder.id, track=track.id, level=track.levels[0].id,
                                   person=person.id,
                                   assignment=assignment.id if assignment else 1)


def token_path(org: Org, actor: str, target: str) -> str:
    """A fresh token to revoke: the actor's own, or someone else's (never the actor's)."""
    from orgladder.auth.tokens import create_token
    from orgladder.extensions import db

    if target == "own":
        owner = actor_of(org, actor) or org.emp
    elif actor == "hr_other":
        owner = org.emp  # a token in the other company
    else:
        owner = org.b_person if target == "other_company" else org.peer  # never the actor
    token, _ = create_token(OPERATOR_CLI, owner, "revocable")
    db.session.commit()
    return f"/account/tokens/{token.id}/revoke"


def notification_path(org: Org, actor: str, target: str) -> str:
    """A notification to mark read: the actor's own, or someone else's (never the actor's)."""
    from orgladder.notifications.deliver import deliver
    from orgladder.notifications.kinds import LEVEL_CHANGED, Message

    owner = token_owner(org, actor, target)
    [note] = deliver([Message(owner, LEVEL_CHANGED, "Matrix", "A notification.", None,
                              f"matrix:{next(_batches)}")])
    db.session.commit()
    return f"/notifications/{note.id}/read"


def unsubscribe_path(org: Org, actor: str, target: str) -> str:
    from orgladder.notifications.mail import unsubscribe_token

    return f"/unsubscribe/{unsubscribe_token(person_target(org, actor, target), 'level_changed')}"


def failure_path(org: Org, actor: str, target: str) -> str:
    """A failed job of the actor's company, or (target other_company) of the other one."""
    from orgladder.jobs.models import JobFailure

    own_b = actor == "hr_other"
    company = org.b if own_b != (target == "other_company") else org.a
    failure = JobFailure(company_id=company.id, job="orgladder.notifications.outbox.dispatch",
                         arguments={"event_ids": []}, error="RuntimeError: matrix")
    db.session.add(failure)
    db.session.commit()
    return f"/jobs/{failure.id}/retry"


NOTIFY_PATHS = {"notifications.mark_read": notification_path,
                "notifications.unsubscribe": unsubscribe_path, "jobs.retry": failure_path}


def token_owner(org: Org, actor: str, target: str):
    if target == "own":
        return actor_of(org, actor) or org.emp
    if actor == "hr_other":
        return org.emp
    return org.b_person if target == "other_company" else org.peer


def test_matrix_covers_every_endpoint(app):
    assert set(MATRIX) == {rule.endpoint for rule in app.url_map.iter_rules()}


FOREIGN_MARKERS = {
    "a": ["Foreigncorp", "Zed Foreigner", "Zora Foreignhr"],
    "b": ["Acmetest", "Mona Manager", "Eli Employee", "Ida Indirect", "Pia Peer", "Hannah Hr"],
}


def api_call(client, method: str, path: str, secret: str | None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    body = {} if method in ("POST", "PATCH") else None
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("actor", ACTORS)
def test_matrix(app, client, org, actor):
    person = actor_of(org, actor)
    secret = make_token(person, name="matrix") if person is not None else None
    for endpoint, (method, _build, expected) in MATRIX.items():
        for target in TARGETS:
            path = path_for(endpoint, org, actor, target)
            if endpoint in API:
                response = api_call(client, method, path, secret)
                want = expected(actor, target)
                assert response.status_code == want, (actor, endpoint, target, path)
                assert "Location" not in response.headers, "the API never redirects"
                body = response.get_data(as_text=True)
                own_side = "b" if actor == "hr_other" else "a"
                for marker in FOREIGN_MARKERS[own_side]:
                    assert marker not in body, (actor, endpoint, target, marker)
                continue
            if person is not None:
                client.login(person.email, PASSWORD)
            if method == "POST":
                token = client.csrf_token("/" if person else "/login")
                response = client.post(path, data={"csrf_token": token})
            else:
                response = client.get(path)
            want = expected(actor, target)
            assert response.status_code == want, (actor, endpoint, target, path)
            if response.status_code == LOGIN and want == LOGIN and actor == "anonymous":
                assert "/login" in response.headers["Location"]
            body = response.get_data(as_text=True)
            own_side = "b" if actor == "hr_other" else "a"
            for marker in FOREIGN_MARKERS[own_side]:
                assert marker not in body, (actor, endpoint, target, marker)
            client._cookies.clear()
