"""Signing in and out, server-side sessions and password changes."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..errors import DomainError
from ..extensions import db, utcnow
from ..passwords import hash_password, needs_rehash, password_problems, verify_password
from ..people.models import Person
from ..people.service import find_by_email
from ..web import wait_in_words
from . import address_limit, devices, throttle
from .models import AuthSession
from .tokens import revoke_all_tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


BAD_CREDENTIALS = "The email or the password is not right."


class SignInRefused(DomainError):
    """A sign-in that did not succeed. ``wait_seconds``, when set, is how long the next attempt
    must wait: the page says it in words and in ``Retry-After``."""

    def __init__(self, message: str, field: str | None = None,
                 wait_seconds: int | None = None):
        super().__init__(message, field)
        self.wait_seconds = wait_seconds


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def _account_wait(seconds: int) -> str:
    return (f"Too many failed sign-ins with this email address. Try again in "
            f"{wait_in_words(seconds)}, or ask HR if you forgot your password.")


def authenticate(email: str, password: str, *, address: str = "",
                 device_cookie: str | None = None, now: datetime | None = None) -> Person:
    """The person for these credentials, else ``SignInRefused``. Unknown email, wrong
    password and a deactivated account look the same to the caller and take the same time.

    Only failures are counted (``throttle``, ``address_limit``). A browser holding a device
    cookie for the account (``devices``) is counted on its own, so failures from elsewhere
    never slow it down; every other client shares the account's count and the address's."""
    now = now or utcnow()
    email_address = email.strip().lower()[:254]
    person = find_by_email(email)
    device = devices.trusted_for(device_cookie, email_address)
    key = throttle.device_key(device.id) if device else throttle.account_key(email_address)
    facts = {"email": email_address, "trusted_device": device is not None}

    wait = throttle.remaining_wait(key, now)
    if wait is not None:
        audit.record(person, "auth.login_failed", person,
                     after={**facts, "reason": "slowed_down", "wait_seconds": _seconds(wait)})
        raise SignInRefused(_account_wait(_seconds(wait)), wait_seconds=_seconds(wait))
    address_wait = None if device else address_limit.remaining_wait(address)
    if address_wait is not None:
        audit.record(person, "auth.login_failed", person,
                     after={**facts, "reason": "address_limit", "wait_seconds": address_wait})
        raise SignInRefused("Too many failed sign-ins from your network. Try again in "
                            f"{wait_in_words(address_wait)}.", wait_seconds=address_wait)

    ok = verify_password(person.password_hash if person else None, password)
    if person is None or not ok or not person.active:
        if device is None:
            address_limit.note_failure(address)
        delay = throttle.note_failure(key, now)
        reason = "inactive" if ok and person is not None else "bad_credentials"
        audit.record(person, "auth.login_failed", person,
                     after={**facts, "reason": reason,
                            **({"wait_seconds": _seconds(delay)} if delay else {})})
        if delay is None:
            raise SignInRefused(BAD_CREDENTIALS, "password")
        raise SignInRefused(f"{BAD_CREDENTIALS} {_account_wait(_seconds(delay))}", "password",
                            wait_seconds=_seconds(delay))
    throttle.forget(key)
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    audit.record(person, "auth.login", person)
    return person


def _expired(now: datetime):
    """SQL: sessions past their inactivity timeout or their absolute lifetime."""
    cfg = current_app.config
    return or_(AuthSession.last_seen_at < now - timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
               AuthSession.created_at < now - timedelta(hours=cfg["SESSION_MAX_HOURS"]))


def start_session(person: Person, user_agent: str = "", now: datetime | None = None) -> str:
    """Open a server-side session and return its token (the cookie keeps only this)."""
    now = now or utcnow()
    db.session.execute(delete(AuthSession).where(AuthSession.person_id == person.id,
                                                 _expired(now)))
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(person_id=person.id, token_hash=_digest(token),
                               user_agent=user_agent[:300], created_at=now, last_seen_at=now))
    person.session_token = token
    person.session_seen_at = now
    return token


def load_session(token: str, now: datetime | None = None) -> Person | None:
    """The signed-in person of a live session: unknown, expired (idle or too old) and
    deactivated all mean signed out. Grants load fresh with the person on every request, so a
    change of manager or roles applies to the very next one."""
    now = now or utcnow()
    row = db.session.execute(
        select(Person, AuthSession.last_seen_at)
        .join(AuthSession, AuthSession.person_id == Person.id)
        .where(AuthSession.token_hash == _digest(token), ~_expired(now))
        .options(joinedload(Person.company), selectinload(Person.grants))
    ).first()
    if row is None or not row[0].active:
        return None
    person, seen_at = row
    person.session_token = token
    person.session_seen_at = seen_at
    return person


def keep_alive(person: Person, now: datetime | None = None) -> bool:
    """Move the session's last-seen time to now when it is older than SESSION_TOUCH_SECONDS,
    so the inactivity timeout counts from the latest request. True when it wrote."""
    now = now or utcnow()
    seen = getattr(person, "session_seen_at", None)
    interval = timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"])
    if not person.session_token or (seen is not None and now - seen < interval):
        return False
    db.session.execute(update(AuthSession)
                       .where(AuthSession.token_hash == _digest(person.session_token))
                       .values(last_seen_at=now))
    person.session_seen_at = now
    return True


def end_session(person: Person) -> None:
    if person.session_token:
        db.session.execute(
            delete(AuthSession).where(AuthSession.token_hash == _digest(person.session_token))
        )
    audit.record(person, "auth.logout", person)


def end_other_sessions(person: Person) -> None:
    query = delete(AuthSession).where(AuthSession.person_id == person.id)
    if person.session_token:
        query = query.where(AuthSession.token_hash != _digest(person.session_token))
    db.session.execute(query)


def change_password(person: Person, current: str, new: str) -> None:
    if not verify_password(person.password_hash, current):
        raise DomainError("That is not your current password.", field="current_password")
    problems = password_problems(new)
    if problems:
        raise DomainError(" ".join(problems), field="new_password")
    if verify_password(person.password_hash, new):
        raise DomainError("Choose a password different from the current one.",
                          field="new_password")
    person.password_hash = hash_password(new)
    person.must_change_password = False  # their own choice now
    end_other_sessions(person)
    revoked = revoke_all_tokens(person)
    audit.record(person, "auth.password_change", person,
                 after={"tokens_revoked": revoked} if revoked else None)
