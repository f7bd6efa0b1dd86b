"""Ladder editing is company-wide HR's: a scoped HR (an HR business partner) reads drafts and
changes none, and deleting a level moves its holders as the acting HR, through the one check
every level change passes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from orgladder.access import Permission, Role, rule_for
from orgladder.actors import SYSTEM_SEED
from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.ladders.models import Level
from orgladder.people.models import Person, RoleGrant
from orgladder.people.service import assign_level, current_assignment

from .factories import levels_of, make_person

STUDIO_BLUEPRINTS = ("studio", "versions")  # the studio, versions, and ladder import
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_PAGE = "/account/password"  # a page every signed-in person opens, with a CSRF token


def scoped_hr(org) -> Person:
    """HR for Mona's part of the org only, holding P3 herself."""
    person = make_person(org.a, "Bianca Partner", manager=org.mgr, level="P3")
    db.session.add(RoleGrant(company_id=org.a.id, person_id=person.id, role=Role.HR.value,
                             scope_root_id=org.mgr.id))
    db.session.commit()
    return person


def level_of(person: Person) -> str:
    db.session.expire_all()
    return current_assignment(db.session.get(Person, person.id)).level.code


def delete_with_move(client, level: Level, move_to: Level):
    return client.post_form(f"/ladders/{level.ladder_id}/levels/{level.id}/delete",
                            {"move_to": move_to.id}, token_from=TOKEN_PAGE)


def test_scoped_hr_cannot_delete_a_level_nor_move_its_holders(client, org):
    partner = scoped_hr(org)
    levels = levels_of(org.a)
    client.login(partner.email)
    response = delete_with_move(client, levels["P3"], levels["P4"])
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(Level, levels["P3"].id).archived
    # Nobody re-levelled: not Leo in her scope, not herself, not Zed's company
    assert level_of(org.lead) == "P3" and level_of(partner) == "P3"
    assert level_of(org.peer) == "P2"
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(["level.assign", "level.delete"]),
        AuditEvent.actor_id == partner.id)).all()


def test_hr_who_holds_the_level_must_be_moved_by_someone_else(client, org):
    levels = levels_of(org.a)
    assign_level(SYSTEM_SEED, org.hr, levels["P3"], date(2024, 1, 1), "Hired")
    db.session.commit()
    client.login(org.hr.email)
    response = delete_with_move(client, levels["P3"], levels["P4"])
    assert response.status_code == 422
    assert "someone else must move you" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Level, levels["P3"].id).archived
    assert level_of(org.hr) == "P3" and level_of(org.lead) == "P3"


def test_deleting_a_level_moves_its_holders_as_the_acting_hr(client, org):
    levels = levels_of(org.a)
    client.login(org.hr.email)
    response = delete_with_move(client, levels["P3"], levels["P4"])
    assert response.status_code == 302
    db.session.expire_all()
    moved = current_assignment(db.session.get(Person, org.lead.id))
    assert moved.level.code == "P4" and moved.decided_by_id == org.hr.id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "level.assign", AuditEvent.target_id == org.lead.id)
        .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == org.hr.id and event.actor_name is None


def studio_endpoints(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) of every studio, versions and ladder import endpoint."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in STUDIO_BLUEPRINTS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, rule))
    return found


def test_every_studio_endpoint_declares_reading_or_editing(app):
    """A studio endpoint either reads a draft (GET only) or changes a ladder: one of the two
    permissions, so the scoped HR check below covers each one."""
    endpoints = studio_endpoints(app)
    assert len(endpoints) > 20
    for endpoint, method, _ in endpoints:
        needed = rule_for(app.view_functions[endpoint]).permissions
        assert needed in ({Permission.VIEW_LADDER_DRAFTS}, {Permission.MANAGE_LADDERS}), endpoint
        if needed == {Permission.VIEW_LADDER_DRAFTS}:
            assert method in READ_METHODS, f"{endpoint} reads drafts but accepts {method}"


def path_of(rule, org) -> str:
    ladder = org.ladder_a
    track = ladder.tracks[0]
    values = {"ladder_id": ladder.id, "track_id": track.id, "level_id": track.levels[0].id,
              "competency_id": ladder.competencies[0].id, "number": 1, "fmt": "yaml"}
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<int:{argument}>", str(values[argument]))
        path = path.replace(f"<{argument}>", str(values[argument]))
    return path


@pytest.mark.parametrize("kind", ["read", "write"])
def test_scoped_hr_reads_the_studio_and_changes_nothing(app, client, org, kind):
    partner = scoped_hr(org)
    client.login(partner.email)
    before = db.session.scalar(select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action != "access.denied"))
    checked = 0
    for endpoint, method, rule in studio_endpoints(app):
        reads = rule_for(app.view_functions[endpoint]).permissions == {
            Permission.VIEW_LADDER_DRAFTS}
        if reads != (kind == "read"):
            continue
        path = path_of(rule, org)
        if method == "GET":
            response = client.get(path + ("?a=1&b=draft" if endpoint.endswith("compare") else ""))
        else:
            response = client.post_form(path, {}, token_from=TOKEN_PAGE)
        assert response.status_code == (200 if reads else 403), (endpoint, method, path)
        checked += 1
    assert checked >= (5 if kind == "read" else 15)
    after = db.session.scalar(select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action != "access.denied"))
    if kind == "write":
        assert after == before  # nothing but the refusals was written



def test_the_draft_page_offers_a_scoped_hr_no_edit(client, org):
    partner = scoped_hr(org)
    ladder = org.ladder_a
    client.login(partner.email)
    page = client.get(f"/ladders/{ladder.id}/draft").get_data(as_text=True)
    assert ladder.tracks[0].levels[0].code in page
    for action in ("/publish", "/tracks/new", "/levels/", "/competencies/new", "/import"):
        assert f'/ladders/{ladder.id}{action}' not in page, action
    client.login(org.hr.email)
    page = client.get(f"/ladders/{ladder.id}/draft").get_data(as_text=True)
    assert f"/ladders/{ladder.id}/publish" in page and f"/ladders/{ladder.id}/levels/" in page
