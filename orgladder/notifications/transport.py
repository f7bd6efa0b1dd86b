"""The one seam to SMTP. With ``MAIL_SERVER`` set, a message is sent there (an error raises,
and the job backend retries it); without, it is written to the log and to the outbox table that
HR reads at /outbox, so that nothing is lost in development."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from ..extensions import db
from .models import OutboxMail

log = logging.getLogger(__name__)


def send(message: EmailMessage, *, company_id: int | None) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _keep(message, company_id)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _keep(message: EmailMessage, company_id: int | None) -> None:
    log.info("mail (no MAIL_SERVER, kept in the outbox) to %s: %s", message["To"],
             message["Subject"])
    db.session.add(OutboxMail(
        company_id=company_id, recipient=str(message["To"])[:254],
        subject=str(message["Subject"])[:300],
        headers={name: str(value) for name, value in message.items()},
        text_body=_part(message, "plain"), html_body=_part(message, "html")))
