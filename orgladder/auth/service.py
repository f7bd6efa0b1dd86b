"""Signing in and out, server-side sessions and password changes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..passwords import hash_password, needs_rehash, password_problems, verify_password
from ..people.models import Person
from ..people.service import find_by_email
from .models import AuthSession
from .tokens import revoke_all_tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(email: str, password: str) -> Person | None:
    """The person for these credentials, or None. Unknown email, wrong password and a
    deactivated account look the same to the caller and take the same time."""
    person = find_by_email(email)
    ok = verify_password(person.password_hash if person else None, password)
    if person is None or not ok or not person.active:
        audit.record(person, "auth.login_failed", person,
                     after={"email": email.strip().lower()[:254]})
        return None
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    audit.record(person, "auth.login", person)
    return person


def start_session(person: Person, user_agent: str = "") -> str:
    """Open a server-side session and return its token (the cookie keeps only this)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthSession(person_id=person.id, token_hash=_digest(token), user_agent=user_agent[:300])
    )
    person.session_token = token
    return token


def load_session(token: str) -> Person | None:
    person = db.session.scalar(
        select(Person).join(AuthSession, AuthSession.person_id == Person.id).where(
            AuthSession.token_hash == _digest(token)
        )
    )
    if person is None or not person.active:
        return None
    person.session_token = token
    return person


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
    end_other_sessions(person)
    revoked = revoke_all_tokens(person)
    audit.record(person, "auth.password_change", person,
                 after={"tokens_revoked": revoked} if revoked else None)
