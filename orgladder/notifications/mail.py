"""Emails of notifications: built from ``templates/email/`` (a plain-text and an HTML part),
with an unsubscribe link and ``List-Unsubscribe`` headers for the kinds one may turn off."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db, utcnow
from ..jobs import job
from ..people.models import Person
from . import transport
from .kinds import KINDS, path_for
from .models import Notification

SALT = "orgladder.unsubscribe"


def unsubscribe_token(person: Person, kind: str) -> str:
    """A token standing for "stop emailing ``person`` about ``kind``": signed, so it needs no
    sign-in, and bound to the person's id and email, so a changed address voids it."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)
    return serializer.dumps({"p": person.id, "k": kind, "e": person.email})


def read_unsubscribe_token(token: str) -> tuple[Person, str] | None:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)
    try:
        data = serializer.loads(token)
        person = db.session.get(Person, int(data["p"]))
        kind = str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if person is None or person.email != data.get("e") or kind not in KINDS:
        return None
    return person, kind


def one_line(text: str) -> str:
    """A header value from what people typed (a cycle's name, a file's): a line break in a
    header is refused by ``email`` (it would start a header of its own)."""
    return " ".join(text.split())


def external(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def compose(recipient: Person, subject: str, template: str, kind: str | None,
            **context) -> EmailMessage:
    """A mail to ``recipient`` from ``email/<template>.txt`` and ``.html``; ``kind`` names
    the optional kind it may be unsubscribed from, if any."""
    config = current_app.config
    unsubscribe = None
    if kind is not None and KINDS[kind].optional:
        unsubscribe = external(path_for("notifications.unsubscribe",
                                        token=unsubscribe_token(recipient, kind)))
    context.update(recipient=recipient, unsubscribe_url=unsubscribe,
                   preferences_url=external(path_for("notifications.preferences")))
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr((one_line(recipient.name), recipient.email))
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="orgladder")
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template(f"email/{template}.txt", **context))
    message.add_alternative(render_template(f"email/{template}.html", **context),
                            subtype="html")
    return message


@job
def send_notification(notification_id: int) -> None:
    """Email one notification, once: a retry after it went out sends nothing."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.emailed_at is not None:
        return
    recipient = notification.recipient
    if not recipient.active:
        return
    link = external(notification.link) if notification.link else None
    message = compose(recipient, notification.title, "notification", notification.kind,
                      notification=notification, link=link)
    transport.send(message, company_id=notification.company_id)
    notification.emailed_at = utcnow()
