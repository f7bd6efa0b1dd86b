"""The rule on every read path: nobody reads calibration content about themselves, whatever
role they hold. ``READ_PATHS`` holds, for every endpoint of the calibration pages, the audit log
and their API twins, the requests a company-wide HR who is herself calibrated (Hana) can make;
each is made in every state of the cycle and must show her nothing of her own entry (the
markers planted in it, a link to it, an audit event about it). A new endpoint under those
prefixes fails ``test_the_list_covers_every_calibration_and_audit_endpoint`` until it is
listed here, so a new read path cannot forget the rule unnoticed.

Writes are listed too: what they answer (a refusal, a form with its errors, a flash message)
is read as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from orgladder.calibration.states import CycleState
from orgladder.extensions import db

from .calibration_setup import without_tokens
from .factories import make_token
from .subject_hr import Subject, change_her_entry, leaks, subject_hr

PREFIXES = ("/calibrat", "/audit", "/api/v1/calibrations", "/api/v1/audit")
MONAS_TEAM = "Mona's team"


@dataclass(frozen=True)
class Call:
    method: str
    path: Callable[[Subject], str]
    data: Callable[[Subject], dict] = field(default=lambda s: {})
    api: bool = False
    names_her: bool = False  # may the page name her (her own events, a list of calibrators)?


def get(path, **kwargs) -> Call:
    return Call("GET", path, **kwargs)


def post(path, data=lambda s: {}, **kwargs) -> Call:
    return Call("POST", path, data, **kwargs)


def api(method, path, data=lambda s: {}, **kwargs) -> Call:
    return Call(method, path, data, api=True, **kwargs)


def cycle(s: Subject) -> str:
    return f"/calibrations/{s.cycle.id}"


def her_entry(s: Subject) -> str:
    return f"/calibrations/entries/{s.entry.id}"


def mona_team(s: Subject) -> str:
    return f"/calibrations/sessions/{s.session(MONAS_TEAM).id}"


def api_cycle(s: Subject) -> str:
    return f"/api/v1/calibrations/{s.cycle.id}"


def api_her_entry(s: Subject) -> str:
    return f"{api_cycle(s)}/entries/{s.entry.id}"


AUDIT_FILTERS: list[Callable[[Subject], str]] = [
    lambda s: "",
    lambda s: "?target_type=CalibrationEntry",
    lambda s: f"?target_type=CalibrationEntry&target_id={s.entry.id}",
    lambda s: f"?action=calibration.entry.update&actor={s.other_hr.email}",
    lambda s: "?action=calibration.note.add",
    lambda s: "?action=calibration.notes.read",
    lambda s: f"?target_type=Person&target_id={s.hana.id}",
]
API_AUDIT_FILTERS: list[Callable[[Subject], str]] = [
    lambda s: "",
    lambda s: "?target_type=CalibrationEntry",
    lambda s: f"?target_type=CalibrationEntry&target_id={s.entry.id}",
    lambda s: f"?actor_id={s.other_hr.id}&action=calibration.entry.update",
    lambda s: "?action=calibration.note.add",
    lambda s: "?action=calibration.notes.read",
    lambda s: f"?target_type=Person&target_id={s.hana.id}",
]

# endpoint -> the requests that read through it, as Hana makes them
READ_PATHS: dict[str, list[Call]] = {
    "calibration.index": [get(lambda s: "/calibrations")],
    "calibration.new_cycle": [get(lambda s: "/calibrations/new", names_her=True)],
    "calibration.cycle": [get(cycle)],
    "calibration.edit_cycle": [get(lambda s: f"{cycle(s)}/edit", names_her=True)],
    "calibration.advance": [post(lambda s: f"{cycle(s)}/advance")],
    "calibration.finalize": [
        get(lambda s: f"{cycle(s)}/finalize"),
        post(lambda s: f"{cycle(s)}/finalize", lambda s: {"effective_date": "31/12/2026"})],
    "calibration.reopen": [get(lambda s: f"{cycle(s)}/reopen"),
                           post(lambda s: f"{cycle(s)}/reopen", lambda s: {"reason": ""})],
    "calibration.new_session": [get(lambda s: f"{cycle(s)}/sessions/new", names_her=True)],
    "calibration.edit_session": [
        get(lambda s: f"/calibrations/sessions/{s.session().id}/edit", names_her=True)],
    "calibrate.prepare": [get(lambda s: f"{cycle(s)}/prepare")],
    "calibrate.export": [get(lambda s: f"{cycle(s)}/export.csv")],
    "calibrate.session": [get(lambda s: f"/calibrations/sessions/{s.session().id}"),
                          get(lambda s: f"/calibrations/sessions/{s.session().id}"
                                        "?sort=proposed&dir=desc"),
                          get(lambda s: f"/calibrations/sessions/{s.session().id}"
                                        f"?level={s.level.id}"),
                          get(mona_team)],
    "calibrate.entry": [get(her_entry),
                        post(her_entry, lambda s: {"performance": 5, "revision": 1})],
    "calibrate.add_note": [post(lambda s: f"{her_entry(s)}/notes",
                                lambda s: {"body": "Let me read it"})],
    "audit.index": [get(lambda s, f=f: f"/audit{f(s)}", names_her=True) for f in AUDIT_FILTERS],
    "audit.export": [get(lambda s, f=f: f"/audit.csv{f(s)}", names_her=True)
                     for f in AUDIT_FILTERS],
    "api.list_audit_events": [api("GET", lambda s, f=f: f"/api/v1/audit{f(s)}", names_her=True)
                              for f in API_AUDIT_FILTERS],
    "api.list_calibrations": [api("GET", lambda s: "/api/v1/calibrations")],
    "api.create_calibration": [api("POST", lambda s: "/api/v1/calibrations",
                                   lambda s: {"name": ""})],
    "api.get_calibration": [api("GET", api_cycle)],
    "api.transition_calibration": [api("POST", lambda s: f"{api_cycle(s)}/transition",
                                       lambda s: {"to": "draft"})],
    "api.list_entries": [api("GET", lambda s: f"{api_cycle(s)}/entries"),
                         api("GET", lambda s: f"{api_cycle(s)}/entries"
                                              f"?session_id={s.session().id}")],
    "api.get_entry": [api("GET", api_her_entry)],
    "api.patch_entry": [api("PATCH", api_her_entry, lambda s: {"performance": 5})],
    "api.list_notes": [api("GET", lambda s: f"{api_her_entry(s)}/notes")],
    "api.add_note": [api("POST", lambda s: f"{api_her_entry(s)}/notes",
                         lambda s: {"body": "Let me read it"})],
    # Last: in a regroupable cycle this one removes a session.
    "calibration.delete_session": [
        post(lambda s: f"{mona_team(s)}/delete")],
}


def calibration_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.rule.startswith(PREFIXES)}


def test_the_list_covers_every_calibration_and_audit_endpoint(app):
    missing = calibration_endpoints(app) - set(READ_PATHS)
    assert not missing, f"add the requests reading through {missing} to READ_PATHS"
    assert set(READ_PATHS) <= calibration_endpoints(app)


def test_the_check_catches_a_new_read_path(database_url):
    from orgladder import create_app
    from orgladder.access import Permission, requires

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/calibrations/<int:cycle_id>/leaderboard")
    @requires(Permission.CALIBRATE)
    def leaderboard(cycle_id: int):
        return "everyone's ratings"

    assert calibration_endpoints(app) - set(READ_PATHS) == {"leaderboard"}


class Reader:
    """Hana's browser and her API token."""

    def __init__(self, client, subject: Subject):
        self.client, self.subject = client, subject
        self.token = make_token(subject.hana, name="read paths")
        client.login(subject.hana.email)

    def send(self, call: Call):
        s = self.subject
        if call.api:
            return self.client.open(call.path(s), method=call.method,
                                    json=call.data(s) if call.method != "GET" else None,
                                    headers={"Authorization": f"Bearer {self.token}",
                                             "If-Match": '"1-x"'})
        if call.method == "GET":
            return self.client.get(call.path(s), follow_redirects=True)
        data = {**call.data(s), "csrf_token": self.client.csrf_token("/")}
        return self.client.post(call.path(s), data=data, follow_redirects=True)


def every_call():
    return [(endpoint, index, call) for endpoint, calls in READ_PATHS.items()
            for index, call in enumerate(calls)]


@pytest.mark.parametrize("state", [CycleState.PREPARATION, CycleState.IN_SESSION,
                                   CycleState.FINALIZED])
def test_no_read_path_shows_hr_their_own_calibration(client, org, state):
    subject = subject_hr(org, state)
    reader = Reader(client, subject)
    found = {}
    for endpoint, index, call in every_call():
        response = reader.send(call)
        assert response.status_code < 500, (endpoint, index, response.status_code)
        shown = leaks(response.get_data(as_text=True), subject, names_her=call.names_her)
        if shown:
            found[f"{endpoint}[{index}] {call.path(subject)}"] = shown
    assert not found


@pytest.mark.parametrize("state", [CycleState.PREPARATION, CycleState.IN_SESSION])
def test_nothing_hr_reads_changes_when_their_own_entry_does(client, org, state):
    """Counted, never shown: every read answers Hana the same before and after Hannah fills
    in her entry, writes a note about her and reads it. (Writes and the unfiltered audit log
    are left out: they record Hana's own requests, which she may see.)"""
    subject = subject_hr(org, state, changed=False)
    reader = Reader(client, subject)
    calls = [(endpoint, index, call) for endpoint, index, call in every_call()
             if call.method == "GET" and not (endpoint.startswith(("audit.", "api.list_audit"))
                                              and index in (0, 6))]

    def read_all() -> dict[str, str]:
        return {f"{endpoint}[{index}]": without_tokens(reader.send(call).get_data(as_text=True))
                for endpoint, index, call in calls}

    read_all()  # her own reads (an export, say) are in the log from now on, and may show
    before = read_all()
    note = change_her_entry(org, subject.hana, subject.cycle, subject.level)
    subject.note = note
    db.session.commit()
    after = read_all()
    changed = [key for key in before if before[key] != after[key]]
    assert not changed
