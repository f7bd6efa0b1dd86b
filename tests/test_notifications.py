"""Each notification kind, driven by the real action: the in-app row, and the email that
arrived at a real SMTP server (subject, text part, link). And the privacy rules: nothing about
a calibration entry reaches the person it concerns; a recipient outside the actor's scope gets
nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from orgladder.access import Role
from orgladder.calibration import service as calibration
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.notifications.models import Notification
from orgladder.people import importer
from orgladder.people.models import RoleGrant
from orgladder.people.service import assign_level

from .calibration_setup import standard_cycle
from .factories import levels_of, make_person
from .mail_server import html_of, text_of


def notifications_of(person, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.recipient_id == person.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_an_employee_is_told_their_new_level(org, smtp):
    assign_level(org.mgr, org.emp, levels_of(org.a)["P3"], date(2027, 1, 1),
                 "Led the billing rewrite; ready for the next step")
    db.session.commit()
    note = notifications_of(org.emp, "level_changed")[-1]  # the first: the org's own set-up
    assert note.title.startswith("Your level is P3") and "1 January 2027" in note.title
    assert "Mona Manager set your level to P3" in note.body
    assert note.link == "/me" and note.read_at is None
    [mail] = smtp.to(org.emp.email)
    assert mail["Subject"] == note.title
    text = text_of(mail)
    assert "Mona Manager set your level to P3" in text and "1 January 2027" in text
    assert "http://127.0.0.1:5000/me" in text and 'href="http://127.0.0.1:5000/me"' in html_of(mail)
    # the reason is the decision's record, not the message: it may quote a calibration
    assert "billing rewrite" not in text and "billing rewrite" not in note.body
    # an optional kind: a one-click unsubscribe
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_rolled_back_level_change_tells_no_one(org, smtp):
    assign_level(org.mgr, org.emp, levels_of(org.a)["P3"], date(2027, 1, 1), "Rolled back")
    db.session.flush()
    db.session.rollback()
    assert not any("P3" in n.title for n in notifications_of(org.emp))
    assert smtp.to(org.emp.email) == []


def test_a_savepoint_rolled_back_inside_a_committed_transaction_tells_no_one(org, smtp):
    levels = levels_of(org.a)
    with db.session.begin_nested() as savepoint:
        assign_level(org.mgr, org.emp, levels["P3"], date(2027, 1, 1), "Undone")
        savepoint.rollback()
    assign_level(org.mgr, org.emp2, levels["P2"], date(2027, 1, 1), "Kept")
    db.session.commit()
    assert [n.title[:16] for n in notifications_of(org.emp2, "level_changed")][-1] == (
        "Your level is P2")
    assert not any("P3" in n.title for n in notifications_of(org.emp))
    assert smtp.to(org.emp.email) == []


def test_managers_are_told_preparation_opened_for_their_reports(org, smtp):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    [mona] = notifications_of(org.mgr, "preparation_opened")
    assert mona.title == "Calibration preparation opened: H2 2026"
    assert "your 2 reports in H2 2026 by 15 December 2026" in mona.body
    assert mona.link == f"/calibrations/{cycle.id}/prepare"
    [mail] = smtp.to(org.mgr.email)
    assert mail["Subject"] == mona.title
    assert "15 December 2026" in text_of(mail)
    assert f"http://127.0.0.1:5000/calibrations/{cycle.id}/prepare" in text_of(mail)
    assert "List-Unsubscribe" not in mail  # work of hers: it cannot be turned off
    assert "your 1 report in" in notifications_of(org.lead, "preparation_opened")[0].body
    assert "your 2 reports" in notifications_of(org.boss, "preparation_opened")[0].body


def test_nobody_is_told_about_their_own_calibration_entry(org, smtp):
    standard_cycle(org, CycleState.PREPARATION)
    for person in (org.emp, org.emp2, org.peer, org.hr):
        assert notifications_of(person, "preparation_opened") == []
        assert smtp.to(person.email) == []
    # Mona's own entry is prepared by Bea: Mona's message counts her reports only
    assert "your 2 reports" in notifications_of(org.mgr, "preparation_opened")[0].body
    for mail in smtp.messages:
        assert "Mona Manager" not in text_of(mail) or str(mail["To"]).startswith("Mona")


def test_a_finalized_calibration_tells_the_employee_their_level_and_nothing_else(org, smtp):
    from .calibration_setup import entry_of

    cycle = standard_cycle(org, CycleState.IN_SESSION, name="Secret review")
    entry = entry_of(cycle, org.emp)
    entry.proposed_level_id = levels_of(org.a)["P3"].id
    db.session.commit()
    calibration.transition(org.hr, cycle, CycleState.FINALIZED, effective_date=date(2027, 1, 1))
    db.session.commit()
    note = notifications_of(org.emp, "level_changed")[-1]
    assert "P3" in note.title
    for text in [note.title, note.body, *(text_of(m) for m in smtp.to(org.emp.email))]:
        assert "Secret review" not in text and "calibration" not in text.lower()


def scoped_hr(org):
    partner = make_person(org.a, "Hedda Partner")
    partner.grants.append(RoleGrant(company_id=org.a.id, role=Role.HR, scope_root=org.mgr))
    db.session.commit()
    return partner


def test_a_recipient_outside_the_actors_scope_gets_nothing(org, smtp):
    """HR scoped to Mona's team opens a cycle of that team. Bea prepares Mona's own entry, and
    may see it, but she is outside the opener's scope: she is told nothing."""
    partner = scoped_hr(org)
    cycle = calibration.create_cycle(
        partner, name="Mona's team 2026", ladder=org.ladder_a, population_root=org.mgr,
        period_start=date(2026, 7, 1), period_end=date(2026, 12, 31), due_date=date(2026, 12, 1))
    calibration.add_session(partner, cycle, name="All", root=None, facilitator=partner,
                            participants=[org.mgr])
    calibration.transition(partner, cycle, CycleState.PREPARATION)
    db.session.commit()
    assert notifications_of(org.boss, "preparation_opened") == []
    assert smtp.to(org.boss.email) == []
    assert "your 2 reports" in notifications_of(org.mgr, "preparation_opened")[0].body
    assert len(notifications_of(org.lead, "preparation_opened")) == 1


def import_file(org) -> bytes:
    return ("email,name,manager_email,level\n"
            f"ana@acmetest.test,Ana New,{org.mgr.email},P1\n").encode()


def test_hr_is_told_an_import_finished_and_scoped_hr_is_not(org, smtp):
    partner = scoped_hr(org)
    other_hr = make_person(org.a, "Hugo Hr", roles=[Role.HR])
    db.session.commit()
    _, plan, batch = importer.dry_run(org.hr, "team.csv", import_file(org))
    db.session.commit()
    assert notifications_of(org.hr, "import_finished") == []  # a dry run changes nothing
    importer.confirm(org.hr, batch)
    db.session.commit()
    for hr in (org.hr, other_hr):
        [note] = notifications_of(hr, "import_finished")
        assert note.title == "People import finished: team.csv"
        assert "1 added, 0 updated" in note.body and "Hannah Hr" in note.body
        assert note.link == f"/people/import/{batch.id}"
        [mail] = smtp.to(hr.email)
        assert mail["Subject"] == note.title
        assert f"http://127.0.0.1:5000/people/import/{batch.id}" in text_of(mail)
    assert notifications_of(partner, "import_finished") == []
    assert notifications_of(org.hr_b) == []  # another company hears nothing


def test_a_preference_decides_the_channel(org, smtp):
    from orgladder.notifications.service import set_preferences

    set_preferences(org.emp, {"level_changed": "in_app"})
    db.session.commit()
    assign_level(org.mgr, org.emp, levels_of(org.a)["P3"], date(2027, 1, 1), "In app only")
    db.session.commit()
    note = notifications_of(org.emp, "level_changed")[-1]
    assert note.channel == "in_app" and note.emailed_at is None
    assert smtp.to(org.emp.email) == []


def test_a_line_break_typed_into_a_name_cannot_forge_a_mail_header(org, smtp):
    cycle = calibration.create_cycle(
        org.hr, name="Q4\r\nBcc: everyone@example.test", ladder=org.ladder_a,
        population_root=None, period_start=date(2026, 7, 1), period_end=date(2026, 12, 31))
    calibration.add_session(org.hr, cycle, name="All", root=None, facilitator=org.hr,
                            participants=[])
    calibration.transition(org.hr, cycle, CycleState.PREPARATION)
    db.session.commit()
    [mail] = smtp.to(org.mgr.email)
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Calibration preparation opened: Q4 Bcc: everyone@example.test"
