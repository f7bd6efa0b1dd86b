"""Filling in entries, two people saving one entry, notes, and the export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from orgladder.audit import AuditEvent
from orgladder.calibration import entries
from orgladder.calibration.models import CalibrationEntry, EntryNote
from orgladder.calibration.states import CycleState
from orgladder.computed import EXTENSION as COMPUTED
from orgladder.errors import DomainError
from orgladder.extensions import db

from .calibration_setup import REVISION, entry_of, form_of, fresh, standard_cycle
from .factories import levels_of, make_person, retitle


def test_a_manager_prepares_an_entry_through_the_page(client, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    entry = entry_of(cycle, org.emp)
    client.login(org.mgr.email)
    body = client.get(f"/calibrations/{cycle.id}/prepare").get_data(as_text=True)
    assert "0 of 3 prepared" in body
    form = form_of(client, entry)
    p3 = levels_of(org.a)["P3"]
    form.update(proposed_level=p3.id, performance=4, potential=3, promotion_ready="y")
    response = client.post(f"/calibrations/entries/{entry.id}", data=form)
    assert response.status_code == 302
    entry = fresh(CalibrationEntry, entry.id)
    assert (entry.proposed_level_id, entry.performance, entry.potential, entry.promotion_ready) \
        == (p3.id, 4, 3, True)
    assert entry.prepared_by_id == org.mgr.id and entry.revision == 2
    body = client.get(f"/calibrations/{cycle.id}/prepare").get_data(as_text=True)
    assert "1 of 3 prepared" in body


def test_a_save_reads_the_levels_once_and_nothing_after_its_writes(client, org, queries):
    """The chosen level comes from the company's levels the form was built from, and the
    answer needs nothing of the entry once it is committed (a commit expires what was read)."""
    cycle = standard_cycle(org, CycleState.PREPARATION)
    entry = entry_of(cycle, org.emp)
    client.login(org.mgr.email)
    form = form_of(client, entry)
    form.update(proposed_level=levels_of(org.a)["P3"].id, performance=4)
    client.application.extensions[COMPUTED].clear()  # the levels as after a change: read anew
    with queries() as statements:
        response = client.post(f"/calibrations/entries/{entry.id}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/calibrations/entries/{entry.id}")
    verbs = [statement.split()[0].upper() for statement in statements]
    assert sum("FROM levels" in statement for statement in statements) == 1, statements
    writes = [n for n, verb in enumerate(verbs) if verb in ("UPDATE", "INSERT")]
    assert writes and "SELECT" not in verbs[writes[-1] + 1:], statements
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{org.emp.name}&#39;s entry is saved." in page


def test_the_proposal_offers_the_same_the_next_or_any_level(client, org):
    cycle = standard_cycle(org)
    client.login(org.mgr.email)
    body = client.get(f"/calibrations/entries/{entry_of(cycle, org.emp).id}").get_data(
        as_text=True)
    assert "P2 Product Manager (now)" in body and "P3 Senior Product Manager (next)" in body
    assert "M7 Chief Product Officer" in body and "No level" in body


def test_two_participants_save_one_entry_the_stale_save_is_refused(client, app, org):
    """Mona and Leo both open Eli's entry. Mona saves first; Leo's save, made from what he
    saw before, is refused with Mona's change spelled out, and her values stay."""
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    leo = app.test_client()
    client.login(org.mgr.email)
    leo.login(org.lead.email)
    monas, leos = form_of(client, entry), form_of(leo, entry)
    p3 = levels_of(org.a)["P3"]
    monas.update(proposed_level=p3.id, performance=4, potential=3)
    assert client.post(f"/calibrations/entries/{entry.id}", data=monas).status_code == 302
    leos.update(performance=2, potential=1)
    response = leo.post(f"/calibrations/entries/{entry.id}", data=leos)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "your save was refused and nothing was overwritten" in body
    assert ("Mona Manager changed proposed level from P2 Product Manager to P3 Senior Product "
            "Manager.") in body
    assert "Mona Manager changed performance from (none) to 4 (Exceeds expectations)." in body
    assert "Mona Manager changed potential from (none) to High." in body
    assert '<option selected value="2">2 · Partially meets expectations</option>' in body
    entry = fresh(CalibrationEntry, entry.id)
    assert (entry.proposed_level_id, entry.performance, entry.potential) == (p3.id, 4, 3)
    # Leo's form now carries the current revision: saving again is his informed decision.
    leos["revision"] = REVISION.search(body).group(1)
    assert leo.post(f"/calibrations/entries/{entry.id}", data=leos).status_code == 302
    assert fresh(CalibrationEntry, entry.id).performance == 2


def test_the_stale_check_takes_a_version_number(org):
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    seen = entry.revision
    entries.save_entry(org.mgr, entry, proposed_level=None, performance=5, potential=None,
                       promotion_ready=False, expected_revision=seen)
    with pytest.raises(entries.StaleEntry) as refused:
        entries.save_entry(org.lead, entry, proposed_level=None, performance=1, potential=None,
                           promotion_ready=False, expected_revision=seen)
    assert refused.value.current_revision == seen + 1
    assert refused.value.changes == [
        "Mona Manager changed proposed level from P2 Product Manager to (none).",
        "Mona Manager changed performance from (none) to 5 (Far exceeds expectations)."]


def test_the_version_counter_refuses_a_save_that_raced_past_the_check(org):
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    seen = entry.revision
    db.session.execute(update(CalibrationEntry).where(CalibrationEntry.id == entry.id)
                       .values(revision=seen + 1, performance=3)
                       .execution_options(synchronize_session=False))
    db.session.commit()  # another request's save, landed after ours read the entry
    set_committed_value(entry, "revision", seen)  # what ours read, so it passes the check
    with pytest.raises(entries.StaleEntry, match="at the same moment") as refused:
        entries.save_entry(org.mgr, entry, proposed_level=None, performance=1, potential=None,
                           promotion_ready=False, expected_revision=seen)
    # The session started over, so the page can be shown again, with the revision to save from.
    assert refused.value.current_revision == seen + 1
    assert fresh(CalibrationEntry, entry.id).performance == 3


def test_saving_nothing_new_changes_nothing(org):
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    entries.save_entry(org.mgr, entry, proposed_level=entry.proposed_level, performance=None,
                       potential=None, promotion_ready=False, expected_revision=entry.revision)
    assert entry.revision == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.company_id == org.a.id, AuditEvent.action == "calibration.entry.update")) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("performance", 6), ("performance", -1), ("potential", 4), ("proposed_level", 999999),
    ("revision", "abc"), ("performance", "4; DROP TABLE"),
])
def test_bad_entry_input_is_refused_and_loses_nothing(client, org, field, value):
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    client.login(org.mgr.email)
    form = form_of(client, entry)
    form.update(performance=3, potential=2)
    form[field] = value
    response = client.post(f"/calibrations/entries/{entry.id}", data=form)
    assert response.status_code in (409, 422)
    assert fresh(CalibrationEntry, entry.id).revision == 1


def test_a_level_of_another_ladder_is_refused(org):
    cycle = standard_cycle(org)
    foreign = levels_of(org.b)["P3"]
    with pytest.raises(DomainError, match="Choose a level of the Product Management ladder"):
        entries.save_entry(org.hr, entry_of(cycle, org.emp), proposed_level=foreign,
                           performance=None, potential=None, promotion_ready=False,
                           expected_revision=1)


def test_notes_are_a_thread_with_authors_and_times(client, org):
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    client.login(org.mgr.email)
    path = f"/calibrations/entries/{entry.id}/notes"
    response = client.post_form(path, {"body": "Shipped the pricing page redesign alone."},
                                token_from=f"/calibrations/entries/{entry.id}")
    assert response.status_code == 302
    client.login(org.lead.email)
    client.post_form(path, {"body": "Agreed; mentoring Ida too."},
                     token_from=f"/calibrations/entries/{entry.id}")
    response = client.post_form(path, {"body": "   "},
                                token_from=f"/calibrations/entries/{entry.id}")
    assert response.status_code == 422
    assert "Write the note first." in response.get_data(as_text=True)
    body = client.get(f"/calibrations/entries/{entry.id}").get_data(as_text=True)
    assert body.index("Shipped the pricing page") < body.index("Agreed; mentoring Ida")
    assert "Mona Manager ·" in body and "Leo Lead ·" in body
    notes = db.session.scalars(select(EntryNote).order_by(EntryNote.id)).all()
    assert [n.author_id for n in notes] == [org.mgr.id, org.lead.id]
    added = db.session.scalars(select(AuditEvent).where(
        AuditEvent.company_id == org.a.id, AuditEvent.action == "calibration.note.add")).all()
    assert len(added) == 2 and all("Shipped" not in repr(e.after) for e in added)


def test_the_export_holds_prepared_and_calibrated_values_and_defuses_formulas(client, org):
    levels = levels_of(org.a)
    make_person(org.a, "=HYPERLINK(\"http://evil.test\")", manager=org.emp2.manager,
                email="formula@acmetest.test", level="P1")
    db.session.commit()
    cycle = standard_cycle(org, CycleState.PREPARATION)
    entry = entry_of(cycle, org.emp)
    entries.save_entry(org.mgr, entry, proposed_level=levels["P3"], performance=4, potential=2,
                       promotion_ready=True, expected_revision=entry.revision)
    from orgladder.calibration import service

    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    entry = entry_of(cycle, org.emp)
    entries.save_entry(org.hr, entry, proposed_level=levels["P2"], performance=3, potential=2,
                       promotion_ready=False, expected_revision=entry.revision)
    db.session.commit()
    client.login(org.hr.email)
    response = client.get(f"/calibrations/{cycle.id}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = {row["email"]: row for row in csv.DictReader(
        io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))}
    eli = rows["eli.employee@acmetest.test"]
    assert (eli["prepared_level"], eli["calibrated_level"]) == ("P3", "P2")
    assert (eli["prepared_performance"], eli["calibrated_performance"]) == ("4", "3")
    assert eli["calibrated_performance_label"] == "Meets expectations"
    assert (eli["prepared_promotion_ready"], eli["calibrated_promotion_ready"]) == ("yes", "no")
    assert eli["changed_in_session"] == "yes"
    assert rows["formula@acmetest.test"]["name"] == "'=HYPERLINK(\"http://evil.test\")"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "calibration.export")) == 1


def _kept_entry_page(client, org, queries, shows: str, table: str) -> str:
    """Eli's entry as his manager views it twice: the page shows ``shows``, and the second view
    reads nothing from ``table``, whose part of the page was kept. The page's path."""
    cycle = standard_cycle(org, CycleState.PREPARATION)
    path = f"/calibrations/entries/{entry_of(cycle, org.emp).id}"
    client.login(org.mgr.email)
    assert shows in client.get(path).get_data(as_text=True)
    with queries() as statements:
        client.get(path)
    assert not [s for s in statements if f"FROM {table}" in s], statements
    return path


def test_the_levels_are_kept_and_a_retitled_level_shows_at_once(client, org, queries):
    """The company's levels are kept between requests until its data changes; each request
    works on its own copies, so a level retitled in the studio shows on the very next form."""
    path = _kept_entry_page(client, org, queries, "P3 Senior Product Manager (next)", "levels")
    level = levels_of(org.a)["P3"]
    retitle(org.hr, level, "Senior PM")
    db.session.commit()
    assert "P3 Senior PM (next)" in client.get(path).get_data(as_text=True)


def test_saving_an_entry_leaves_the_levels_and_the_last_promotion_kept(client, org, queries):
    """A save is calibration work: it moves the entries revision alone, so the form that
    follows it reads neither the levels nor the level history again, and shows the save."""
    path = _kept_entry_page(client, org, queries, "No promotion on record", "levels")
    entry = fresh(CalibrationEntry, int(path.rsplit("/", 1)[1]))
    form = form_of(client, entry)
    form.update(performance=2)
    assert client.post(path, data=form).status_code == 302
    with queries() as statements:
        body = client.get(path).get_data(as_text=True)
    assert "Eli Employee&#39;s entry is saved." in body
    assert fresh(CalibrationEntry, entry.id).performance == 2
    assert not [s for s in statements if "FROM levels" in s or "FROM level_assignments" in s
                ], statements


def test_the_last_promotion_is_kept_and_a_new_one_shows_at_once(client, org, queries):
    path = _kept_entry_page(client, org, queries, "No promotion on record", "level_assignments")
    promoted = client.post_form(f"/people/{org.emp.id}/level", {
        "level": levels_of(org.a)["P3"].id, "effective_date": date.today().isoformat(),
        "reason": "Owns the billing roadmap"})
    assert promoted.status_code == 302
    assert (f"Last promoted {date.today():%-d %B %Y}"
            in client.get(path).get_data(as_text=True))
