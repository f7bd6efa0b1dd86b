"""Notifications: what changed for a person and what is theirs to do, in the app (the bell)
and by email. ``kinds`` says what notifies whom; ``outbox`` turns committed audit events into
notifications; ``deliver`` stores them and sends the emails; ``reminders`` and ``digests`` are
scheduled work."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported for what they declare: the outbox's event hook, the jobs, the scheduled tasks.
    from . import digests, mail, outbox, reminders  # noqa: F401
    from .service import unread_count

    @app.context_processor
    def bell():
        from flask_login import current_user

        def unread_notifications() -> int:
            return unread_count(current_user) if current_user.is_authenticated else 0

        return {"unread_notifications": unread_notifications}
