"""The authorization matrix for two more principals: an HR business partner scoped to one team
(``hrbp``) and HR for the whole company who is a subject of a cycle (``hr_subject``).

Every endpoint of ``app.url_map`` runs as both against every target of ``test_matrix`` and
two more (see ``principal_expectations``). Besides the status, every body is searched for
anything of the other company and for any trace of Hugo's calibration entry: the note Hannah
wrote about him, and the entry itself (its page or API address, its audit events, its row in
an export). Hugo never reads calibration content about himself; Greta has no part in his
entry either (he is outside her scope).

All the mismatches of a family are collected and reported together, so one run lists every
broken rule, not only the first.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass

import pytest

from orgladder.access import Role
from orgladder.calibration.entries import add_note, read_notes, save_entry
from orgladder.extensions import db
from orgladder.people.models import RoleGrant

from .calibration_setup import entry_of, other_company_cycle, session_named, standard_cycle
from .factories import PASSWORD, Org, levels_of, make_person, make_token
from .principal_expectations import (
    EXTRA_PATHS,
    FAMILIES,
    PRINCIPALS,
    REFUSED,
    expectation,
    hugo_reads,
)
from .test_matrix import API, FOREIGN_MARKERS, MATRIX, api_call, path_for
from .test_matrix import TARGETS as MATRIX_TARGETS

TARGETS = [*MATRIX_TARGETS, "partner_in", "partner_out"]
MARKER = "SECRET-ABOUT-HUGO"


@dataclass
class Secrets:
    """What nobody but the people calibrating Hugo may read: his entry and its note."""

    hugo_id: int
    entry_id: int
    cycle_id: int
    session_id: int  # "Everyone else", where his entry is discussed


@pytest.fixture
def principals(org: Org) -> Secrets:
    greta = make_person(org.a, "Greta Partner", manager=org.boss, level="P3")
    db.session.add(RoleGrant(company_id=org.a.id, person_id=greta.id, role=Role.HR.value,
                             scope_root_id=org.mgr.id))
    hugo = make_person(org.a, "Hugo Subject", roles=[Role.HR])
    db.session.commit()
    org.principals = {"hrbp": greta, "hr_subject": hugo}
    # the matrix's cycles, made now so that Greta and Hugo are in company A's population
    org.cycles = {"a": standard_cycle(org), "b": other_company_cycle(org)}
    entry = entry_of(org.cycles["a"], hugo)
    save_entry(org.hr, entry, proposed_level=levels_of(org.a)["M5"], performance=5,
               potential=3, promotion_ready=True, expected_revision=entry.revision)
    add_note(org.hr, entry, f"{MARKER}: ready for the next step, say so to nobody yet.")
    read_notes(org.hr, entry)
    db.session.commit()
    return Secrets(hugo.id, entry.id, org.cycles["a"].id,
                   session_named(org.cycles["a"], "Everyone else").id)


HUGO_EMAIL = "hugo.subject@acmetest.test"


def entry_traces(body: str, secrets: Secrets, path: str = "") -> list[str]:
    """Where ``body`` shows Hugo's entry: its note, its address, what others did to it in the
    audit log (page, CSV or JSON), its row in a calibration page or export. The address the
    request itself named (an error's ``instance``) and Hugo's own attempts, which the log
    records as refusals, tell him nothing he did not know."""
    body = body.replace(path, "") if path else body
    found = []
    if MARKER in body:
        found.append("the note about Hugo")
    entry = secrets.entry_id
    if re.search(rf"entries/{entry}(?!\d)", body):
        found.append("the entry's address")
    if re.search(r"(?m)^Hugo Subject,", body):
        found.append("his row in an export")
    if any(re.search(rf"CalibrationEntry #{entry}(?!\d)", row) and HUGO_EMAIL not in row
           for row in body.split("<tr")):
        found.append("another's audit event of the entry")
    if "CalibrationEntry," in body:
        rows = csv.DictReader(io.StringIO(body.lstrip("\ufeff")))
        if any(row.get("target_type") == "CalibrationEntry"
               and row.get("target_id") == str(entry) and row.get("actor_email") != HUGO_EMAIL
               for row in rows):
            found.append("another's audit row of the entry")
    return found + json_traces(body, secrets)


def json_traces(body: str, secrets: Secrets) -> list[str]:
    try:
        document = json.loads(body)
    except ValueError:
        return []
    found: set[str] = set()

    def walk(value):
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if (value.get("target_type") == "CalibrationEntry"
                    and value.get("target_id") == secrets.entry_id
                    and value.get("actor_id") != secrets.hugo_id):
                found.add("another's audit event of the entry (JSON)")
            if "calibration_id" in value and value.get("id") == secrets.entry_id:
                found.add("the entry (JSON)")
            for item in value.values():
                walk(item)

    walk(document)
    return sorted(found)


# People of company A outside Greta's scope (Bea Boss, her own manager, is on her record).
OUTSIDE_GRETAS_SCOPE = ["Pia Peer", "Pat Peermanager", "Hannah Hr", "Hugo Subject"]


def foreign_names(body: str, principal: str) -> list[str]:
    """Another company's names; for Greta, also the people of her company outside her scope."""
    names = FOREIGN_MARKERS["a"] + (OUTSIDE_GRETAS_SCOPE if principal == "hrbp" else [])
    return [name for name in names if name in body]


def matches(got: int, want) -> bool:
    return got in want if isinstance(want, frozenset) else got == want


def show(want) -> str:
    return "/".join(map(str, sorted(want))) if isinstance(want, frozenset) else str(want)


class Run:
    """Requests as one principal, with every mismatch and leak written down."""

    def __init__(self, client, org: Org, principal: str, secrets: Secrets):
        self.client, self.org, self.principal, self.secrets = client, org, principal, secrets
        self.person = org.principals[principal]
        self.secret = make_token(self.person, name="matrix")
        self.problems: list[tuple[str, str, str, str]] = []

    def request(self, endpoint: str, method: str, path: str):
        if endpoint in API:
            response = api_call(self.client, method, path, self.secret)
            if "Location" in response.headers:
                self.problems.append((endpoint, "-", f"{method} {path}", "the API redirected"))
            return response
        self.client.login(self.person.email, PASSWORD)
        if method == "POST":
            token = self.client.csrf_token("/")
            response = self.client.post(path, data={"csrf_token": token})
        else:
            response = self.client.get(path)
        self.client._cookies.clear()
        return response

    def check(self, endpoint: str, target: str, path: str, want) -> None:
        method = MATRIX[endpoint][0]
        response = self.request(endpoint, method, path)
        got = response.status_code
        where = f"{method} {path}"
        if not matches(got, want):
            self.problems.append((endpoint, target, where, f"got {got}, want {show(want)}"))
        body = response.get_data(as_text=True)
        for leak in (foreign_names(body, self.principal)
                     + entry_traces(body, self.secrets, path)):
            self.problems.append((endpoint, target, where, f"the body shows {leak}"))

    def report(self) -> str:
        """One line per endpoint and kind of problem, with the targets it happens on."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for endpoint, target, where, problem in self.problems:
            grouped.setdefault((endpoint, problem), []).append(f"{target} ({where})")
        return "\n".join(f"({endpoint}, {self.principal}) {problem}: {', '.join(targets)}"
                         for (endpoint, problem), targets in grouped.items())


def endpoint_family(name: str) -> list[str]:
    return list(FAMILIES[name])


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_principal_matrix(app, client, org, principals, principal, family):
    run = Run(client, org, principal, principals)
    for endpoint in endpoint_family(family):
        for target in TARGETS:
            path = path_for(endpoint, org, principal, target)
            run.check(endpoint, target, path, expectation(endpoint, principal)(principal, target))
    assert not run.problems, "\n" + run.report()


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_no_filter_finds_hugos_entry(app, client, org, principals, principal):
    """The audit log's filters and the session his entry is in, which the matrix's one path
    per endpoint does not reach."""
    run = Run(client, org, principal, principals)
    names = {"entry": principals.entry_id, "cycle": principals.cycle_id,
             "session": principals.session_id, "hannah": org.hr.id}
    for endpoint, template in EXTRA_PATHS:
        run.check(endpoint, "hugo", template.format(**names), hugo_reads(principal))
    assert not run.problems, "\n" + run.report()


def test_every_endpoint_is_decided_for_the_new_principals(app):
    decided = [endpoint for family in FAMILIES.values() for endpoint in family]
    assert len(decided) == len(set(decided)), "an endpoint is in two families"
    assert set(decided) == {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {endpoint for endpoint, _ in EXTRA_PATHS} <= set(decided)


def test_the_principals_are_as_described(org, principals):
    """Greta's scope is Mona's team, without herself; Hugo is company-wide HR with an entry."""
    from orgladder.access import company_wide, in_scope

    greta, hugo = org.principals["hrbp"], org.principals["hr_subject"]
    assert [person.name for person in (org.mgr, org.emp, org.lead, org.emp2)
            if in_scope(greta, person)] == ["Mona Manager", "Eli Employee", "Leo Lead",
                                            "Ida Indirect"]
    assert not any(in_scope(greta, person) for person in
                   (org.peer, org.peer_mgr, org.boss, org.hr, hugo))
    assert not greta.path.startswith(org.mgr.path)
    assert company_wide(hugo) and not company_wide(greta)
    entry = entry_of(org.cycles["a"], hugo)
    assert entry.session_id == principals.session_id
    assert entry.proposed_level.code == "M5" and entry.updated_by_id == org.hr.id


def test_traces_are_found(principals):
    """The leak detector can fail: each kind of trace of Hugo's entry is recognised, and his
    own refused attempts or the address he asked for are not counted."""
    entry = principals.entry_id
    export = io.StringIO()
    csv.writer(export).writerow(["Hugo Subject", HUGO_EMAIL, "M5"])
    log = io.StringIO()
    writer = csv.DictWriter(log, ["id", "actor_email", "target_type", "target_id"])
    writer.writeheader()
    writer.writerow({"id": 7, "actor_email": "hannah.hr@acmetest.test",
                     "target_type": "CalibrationEntry", "target_id": entry})
    samples = [f"<p>{MARKER}</p>", f'<a href="/calibrations/entries/{entry}">',
               f"<tr><th>Hannah Hr</th><td>CalibrationEntry #{entry}</td></tr>",
               "\ufeff" + log.getvalue(), export.getvalue(),
               json.dumps({"items": [{"target_type": "CalibrationEntry", "target_id": entry,
                                      "actor_id": principals.hugo_id + 1}]}),
               json.dumps({"items": [{"id": entry, "calibration_id": 1}]})]
    for sample in samples:
        assert entry_traces(sample, principals), sample
    own_path = f"/api/v1/calibrations/1/entries/{entry}"
    harmless = [(f'<a href="/calibrations/entries/{entry}0">', ""),
                (f"<tr><th>{HUGO_EMAIL}</th><td>CalibrationEntry #{entry}</td></tr>", ""),
                (json.dumps({"instance": own_path}), own_path),
                (json.dumps({"target_type": "CalibrationEntry", "target_id": entry,
                             "actor_id": principals.hugo_id}), "")]
    for sample, path in harmless:
        assert not entry_traces(sample, principals, path), sample


def greta_as_stored(org: Org) -> dict:
    from orgladder.people.models import Person
    from orgladder.people.service import current_assignment

    db.session.expire_all()
    greta = db.session.get(Person, org.principals["hrbp"].id)
    assignment = current_assignment(greta)
    return {"grants": sorted((g.role, g.scope_root_id or 0) for g in greta.grants),
            "manager_id": greta.manager_id, "active": greta.active,
            "level": assignment.level_id if assignment else None}


SELF_EDITS = {
    "company-wide HR": {"roles": ["hr"]},
    "a manager inside her own scope": {"manager": "mona"},
    "deactivated": {"active": False},
}


@pytest.mark.parametrize("change", list(SELF_EDITS))
def test_scoped_hr_cannot_change_her_own_record(client, org, principals, change):
    """Greta may administer Mona's team, not herself: a well-formed change of her own roles,
    manager or active flag is refused (403, or 422 with the reason), by the page and by the
    API, and nothing of her record changes. Nobody assigns their own level, either."""
    greta = org.principals["hrbp"]
    before = greta_as_stored(org)
    wanted = SELF_EDITS[change]
    problems = []

    client.login(greta.email, PASSWORD)
    page = client.get(f"/people/{greta.id}/edit")
    if page.status_code == 200 and "active" not in wanted:
        body = page.get_data(as_text=True)
        seen = html.unescape(re.search(r'name="seen"[^>]*value="([^"]*)"', body).group(1))
        form = {"csrf_token": client.csrf_token(f"/people/{greta.id}/edit"), "seen": seen,
                "name": greta.name, "email": greta.email,
                "manager_email": org.mgr.email if "manager" in wanted else org.boss.email,
                "profession_start": "2018-01-01", "roles": wanted.get("roles", [])}
        response = client.post(f"/people/{greta.id}/edit", data=form)
        if response.status_code not in REFUSED:
            problems.append(f"POST /people/{greta.id}/edit: got {response.status_code}")
    elif "active" in wanted:
        response = client.post_form(f"/people/{greta.id}/deactivate", token_from="/")
        if response.status_code not in REFUSED:
            problems.append(f"POST /people/{greta.id}/deactivate: got {response.status_code}")

    secret = make_token(greta, name="self-edit")
    headers = {"Authorization": f"Bearer {secret}"}
    current = client.get(f"/api/v1/people/{greta.id}", headers=headers)
    patch = {"roles": ["employee", *wanted["roles"]]} if "roles" in wanted else (
        {"manager_id": org.mgr.id} if "manager" in wanted else {"active": False})
    response = client.patch(f"/api/v1/people/{greta.id}", json=patch,
                            headers={**headers, "If-Match": current.headers["ETag"]})
    if response.status_code not in REFUSED:
        problems.append(f"PATCH /api/v1/people/{greta.id} {patch}: got {response.status_code}")
    level = levels_of(org.a)["P4"].id
    response = client.post(f"/api/v1/people/{greta.id}/assignments", headers=headers,
                           json={"level_id": level, "effective_date": "2026-01-01",
                                 "reason": "Self-assessment"})
    if response.status_code != 403:
        problems.append(f"POST /api/v1/people/{greta.id}/assignments: got "
                        f"{response.status_code}, want 403")
    after = greta_as_stored(org)
    if after != before:
        problems.append(f"her record changed: {before} -> {after}")
    assert not problems, "\n" + "\n".join(problems)
