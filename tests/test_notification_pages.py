"""The bell, the notifications page, mark read, the preferences form, the unsubscribe link
and the outbox, as a browser uses them."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from orgladder.extensions import db
from orgladder.notifications.models import Channel, Notification, NotificationPreference, OutboxMail
from orgladder.people.service import assign_level

from .factories import levels_of

BELL = re.compile(r'aria-label="Notifications, (\d+) unread"')


def bell(client, path: str = "/me") -> int:
    return int(BELL.search(client.get(path).get_data(as_text=True)).group(1))


def change_level(org, code: str = "P3") -> None:
    assign_level(org.mgr, org.emp, levels_of(org.a)[code], date(2027, 1, 1), "Earned it")
    db.session.commit()


def test_the_bell_counts_a_level_change_and_reading_clears_it(client, org):
    client.login(org.emp.email)
    client.post_form("/notifications/read-all", token_from="/notifications")
    assert bell(client) == 0
    change_level(org)
    assert bell(client) == 1
    page = client.get("/notifications").get_data(as_text=True)
    assert "Your level is P3" in page and "Mona Manager set your level to P3" in page
    note = db.session.scalars(select(Notification).where(
        Notification.recipient_id == org.emp.id).order_by(Notification.id.desc())).first()
    response = client.post_form(f"/notifications/{note.id}/read", token_from="/notifications")
    assert response.status_code == 302
    assert bell(client) == 0


def test_mark_all_read(client, org):
    change_level(org, "P3")
    change_level(org, "P1")
    client.login(org.emp.email)
    assert bell(client) >= 2
    client.post_form("/notifications/read-all", token_from="/notifications")
    assert bell(client) == 0


def test_nobody_marks_anothers_notification_read(client, org):
    change_level(org)
    note = db.session.scalars(select(Notification).where(
        Notification.recipient_id == org.emp.id)).first()
    client.login(org.mgr.email)
    token = client.csrf_token("/notifications")
    assert client.post(f"/notifications/{note.id}/read",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/notifications/99999999999/read",
                       data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_the_bell_costs_one_query_however_many_are_unread(client, org, queries):
    client.login(org.emp.email)
    client.get("/me")

    def statements() -> list[str]:
        with queries() as sent:
            assert client.get("/me").status_code == 200
        return [s for s in sent if "notifications" in s]

    few = statements()
    for code in ("P3", "P1", "P3", "P1", "P3"):
        change_level(org, code)
    many = statements()
    assert len(few) == len(many) == 1
    assert bell(client) >= 5


def test_preferences_keep_what_was_chosen_and_refuse_what_is_not_offered(client, org):
    client.login(org.emp.email)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "My level was assigned or changed" in page
    response = client.post_form("/notifications/preferences", {
        "level_changed": "digest_daily", "preparation_opened": "in_app",
        "preparation_reminder": "email", "import_finished": "email"})
    assert response.status_code == 422  # preparation work cannot be turned off
    body = response.get_data(as_text=True)
    assert "Not a valid choice" in body
    assert re.search(r'<option selected value="digest_daily">', body)  # kept what was typed
    response = client.post_form("/notifications/preferences", {
        "level_changed": "digest_daily", "preparation_opened": "email",
        "preparation_reminder": "email", "import_finished": "in_app"})
    assert response.status_code == 302
    chosen = dict(db.session.execute(select(NotificationPreference.kind,
                                            NotificationPreference.channel).where(
        NotificationPreference.person_id == org.emp.id)).all())
    assert chosen == {"level_changed": "digest_daily", "import_finished": "in_app"}


def test_the_unsubscribe_link_works_without_signing_in(client, org, smtp):
    change_level(org)
    [mail] = smtp.to(org.emp.email)
    link = mail["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:5000")
    client._cookies.clear()
    assert "Stop these emails?" in client.get(link).get_data(as_text=True)
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0  # GET: nothing
    # a mail client's one-click POST: no cookie, no CSRF token
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Emails stopped" in response.get_data(as_text=True)
    pref = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.person_id == org.emp.id))
    assert (pref.kind, pref.channel) == ("level_changed", Channel.IN_APP)
    change_level(org, "P1")
    assert len(smtp.to(org.emp.email)) == 1  # no more mail; still on the bell
    client.login(org.emp.email)
    assert bell(client) >= 1


def test_a_forged_or_stale_unsubscribe_link_is_not_found(client, org):
    from orgladder.notifications.mail import unsubscribe_token

    token = unsubscribe_token(org.emp, "level_changed")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    org.emp.email = "eli.new@acmetest.test"  # the address changed: old links stop working
    db.session.commit()
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0


def test_without_a_mail_server_mail_goes_to_the_outbox(client, org):
    change_level(org)
    mail = db.session.scalars(select(OutboxMail).where(
        OutboxMail.recipient.contains(org.emp.email)).order_by(OutboxMail.id.desc())).first()
    assert mail.subject.startswith("Your level is P3") and "Mona Manager" in mail.text_body
    assert "<html" in mail.html_body and mail.headers["List-Unsubscribe"].startswith("<http")
    client.login(org.hr.email)
    page = client.get("/outbox").get_data(as_text=True)
    assert mail.subject in page and "Zed Foreigner" not in page
    client.login(org.hr_b.email)
    assert mail.subject not in client.get("/outbox").get_data(as_text=True)
