"""GET /api/v1/audit: HR of the whole company reads who changed what, filtered and paged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from orgladder import audit
from orgladder.access import Role
from orgladder.extensions import db
from orgladder.people.models import RoleGrant

from ..factories import PASSWORD, levels_of
from .conftest import assert_problem


def actions(response) -> list[str]:
    return [event["action"] for event in response.get_json()["items"]]


def test_hr_reads_the_log_of_api_writes(api, org):
    hr, mgr = api(org.hr), api(org.mgr)
    mgr.post(f"/api/v1/people/{org.emp.id}/assignments", json={
        "level_id": levels_of(org.a)["P3"].id, "effective_date": "2025-06-01",
        "reason": "Audited promotion"})
    hr.patch_fresh(f"/api/v1/people/{org.lead.id}", {"name": "Leo Renamed"})
    log = hr.get("/api/v1/audit").get_json()
    newest = log["items"][0]
    assert newest["action"] == "person.update" and newest["actor_name"] == "Hannah Hr"
    assert newest["before"]["name"] == "Leo Lead" and newest["after"]["name"] == "Leo Renamed"
    assert newest["ip"] == "127.0.0.1" and newest["created_at"].endswith("Z")
    by_manager = hr.get(f"/api/v1/audit?actor_id={org.mgr.id}").get_json()["items"]
    assert [e["action"] for e in by_manager] == ["level.assign"]
    assert by_manager[0]["after"]["reason"] == "Audited promotion"
    assert by_manager[0]["actor_email"] == org.mgr.email
    assert by_manager[0]["target_name"] == "Eli Employee"


def test_the_api_and_the_audit_page_read_the_same_events(api, client, org):
    """One query serves both: the same filter gives the same events, in the same order."""
    hr = api(org.hr)
    hr.patch_fresh(f"/api/v1/people/{org.lead.id}", {"name": "Leo Renamed"})
    listed = hr.get("/api/v1/audit?per_page=200&until=9999-12-31").get_json()["items"]
    client.login(org.hr.email, PASSWORD)
    page = client.get("/audit.csv").get_data(as_text=True)
    exported = [line.split(",")[0] for line in page.lstrip("\ufeff").splitlines()[1:]]
    assert [str(event["id"]) for event in reversed(listed)] == exported[:len(listed)]


def test_filters_by_target_action_and_dates(api, client, org):
    hr = api(org.hr)
    target = f"target_type=Person&target_id={org.emp.id}"
    assert set(actions(hr.get(f"/api/v1/audit?{target}"))) == {"person.create", "level.assign"}
    assert actions(hr.get("/api/v1/audit?action=company.create")) == ["company.create"]
    client.login(org.emp.email, PASSWORD)
    client.post_form("/account/password", {"current_password": PASSWORD,
                                           "new_password": "some new long secret",
                                           "confirm": "some new long secret"})
    # a proxy for the signed-in person is audited as a Person, not as the proxy
    assert "auth.password_change" in actions(hr.get(f"/api/v1/audit?{target}"))
    # The log is append-only, so an old event is written old rather than backdated.
    old = audit.record(None, "company.rename", org.a, after={"name": "Acmetest"})
    old.created_at = datetime(2020, 5, 17, 23, 59, tzinfo=UTC)
    db.session.commit()
    day = hr.get("/api/v1/audit?since=2020-05-17&until=2020-05-17")
    assert actions(day) == ["company.rename"]
    assert actions(hr.get("/api/v1/audit?until=2020-05-16")) == []
    today = date.today().isoformat()
    recent = actions(hr.get(f"/api/v1/audit?since={today}&per_page=200"))
    assert "company.rename" not in recent and recent
    later = (date.today() + timedelta(days=2)).isoformat()
    assert actions(hr.get(f"/api/v1/audit?since={later}")) == []


def test_the_log_stays_in_its_company_and_with_hr_of_the_whole_company(api, org):
    theirs = api(org.hr_b).get("/api/v1/audit?per_page=200").get_json()["items"]
    assert theirs and all(e["target_id"] != org.emp.id or e["target_type"] != "Person"
                          for e in theirs)
    assert_problem(api(org.mgr).get("/api/v1/audit"), 403)
    assert_problem(api(org.emp).get("/api/v1/audit"), 403)
    # An HR partner for one department sees people there, not the company's whole log.
    org.peer.grants.append(RoleGrant(company_id=org.a.id, role=Role.HR,
                                     scope_root_id=org.peer_mgr.id))
    db.session.commit()
    refused = assert_problem(api(org.peer).get("/api/v1/audit"), 403, "not-allowed")
    assert "whole company" in refused["detail"]
