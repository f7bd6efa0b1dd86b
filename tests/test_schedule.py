"""Scheduled work run by ``flask run-schedule`` under a frozen clock: the preparation reminders
(3 days and 1 day before the due date, for entries still unprepared) and the digests. Each run
is idempotent: two runs in the same minute send one of each."""

from __future__ import annotations

from datetime import date

from freezegun import freeze_time
from sqlalchemy import select

from orgladder.calibration.states import CycleState
from orgladder.extensions import db, utcnow
from orgladder.notifications.models import Notification, OutboxMail
from orgladder.notifications.reminders import stage
from orgladder.notifications.service import set_preferences
from orgladder.people.service import assign_level

from .calibration_setup import entry_of, standard_cycle
from .factories import levels_of

DUE = date(2026, 12, 15)  # the standard cycle's due date


def run_schedule(app) -> str:
    result = app.test_cli_runner().invoke(args=["run-schedule"])
    assert result.exit_code == 0, result.output
    return result.output


def reminders(person=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.kind == "preparation_reminder")
    if person is not None:
        query = query.where(Notification.recipient_id == person.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def mails_to(person) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(
        OutboxMail.recipient.contains(person.email)).order_by(OutboxMail.id)))


def test_the_stages_of_the_reminder():
    assert stage(DUE, date(2026, 12, 11)) is None  # 4 days before
    assert stage(DUE, date(2026, 12, 12)) == 3
    assert stage(DUE, date(2026, 12, 13)) == 3
    assert stage(DUE, date(2026, 12, 14)) == 1
    assert stage(DUE, date(2026, 12, 15)) is None  # the due date itself
    assert stage(DUE, date(2026, 12, 20)) is None


def test_two_runs_in_the_same_minute_send_one_reminder(app, org):
    standard_cycle(org, CycleState.PREPARATION)
    with freeze_time("2026-12-12 09:00:05"):
        run_schedule(app)
    with freeze_time("2026-12-12 09:00:40"):
        run_schedule(app)
    [mona] = reminders(org.mgr)
    assert mona.title == "Calibration entries due in 3 days: H2 2026"
    assert "The entries of 2 reports in H2 2026 are not prepared yet" in mona.body
    assert len([m for m in mails_to(org.mgr) if "due in 3 days" in m.subject]) == 1
    # employees hear nothing about their own entries
    assert reminders(org.emp) == [] and reminders(org.peer) == []


def test_prepared_entries_are_not_reminded(app, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    for person in (org.emp, org.lead):  # Mona prepared both of hers
        entry_of(cycle, person).prepared_at = utcnow()
    entry_of(cycle, org.emp2).prepared_at = None
    db.session.commit()
    with freeze_time("2026-12-14 08:00:00"):
        run_schedule(app)
    assert reminders(org.mgr) == []
    [leo] = reminders(org.lead)
    assert leo.title == "Calibration entries due tomorrow: H2 2026"
    assert "1 report in" in leo.body


def test_the_three_day_and_the_one_day_reminders_each_come_once(app, org):
    standard_cycle(org, CycleState.PREPARATION)
    for moment in ("2026-12-12 09:00", "2026-12-13 09:00", "2026-12-14 09:00",
                   "2026-12-14 09:01"):
        with freeze_time(moment):
            run_schedule(app)
    assert [n.title.split(":")[0] for n in reminders(org.mgr)] == [
        "Calibration entries due in 3 days", "Calibration entries due tomorrow"]


def test_a_run_after_the_due_date_sends_none(app, org):
    standard_cycle(org, CycleState.PREPARATION)
    with freeze_time("2026-12-16 09:00:00"):
        run_schedule(app)
    with freeze_time("2026-12-15 09:00:00"):
        run_schedule(app)
    assert reminders() == []


def test_a_cycle_past_preparation_is_not_reminded(app, org):
    standard_cycle(org, CycleState.IN_SESSION)
    with freeze_time("2026-12-14 09:00:00"):
        run_schedule(app)
    assert reminders() == []


def test_a_daily_digest_gathers_the_days_news_into_one_mail(app, org):
    set_preferences(org.emp, {"level_changed": "digest_daily"})
    db.session.commit()
    levels = levels_of(org.a)
    with freeze_time("2026-12-02 06:00:00"):
        before = len(mails_to(org.emp))
        for code in ("P3", "P1"):
            assign_level(org.mgr, org.emp, levels[code], date(2027, 1, 1), "Digest me")
            db.session.commit()
        assert len(mails_to(org.emp)) == before  # nothing at once
        run_schedule(app)  # before the digest hour
        assert len(mails_to(org.emp)) == before
    with freeze_time("2026-12-02 07:30:00"):
        run_schedule(app)
        run_schedule(app)
    digests = mails_to(org.emp)[before:]
    assert len(digests) == 1
    assert digests[0].subject == "Your orgladder digest: 2 new"
    assert "Your level is P3" in digests[0].text_body and "Your level is P1" in digests[0].text_body
    with freeze_time("2026-12-03 07:30:00"):
        run_schedule(app)  # nothing new since: no mail
    assert len(mails_to(org.emp)) == before + 1
