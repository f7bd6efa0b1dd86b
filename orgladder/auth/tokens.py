"""Personal access tokens for the JSON API.

A token acts with its owner's permissions (never more), optionally read-only. Like a sign-in
session, only the SHA-256 of the secret is stored: the secret is shown once, when it is made.
Revoking keeps the row, so the settings page and the audit log can still name it. Every token
expires, ``DEFAULT_LIFETIME_DAYS`` after it is made unless its maker chooses a lifetime of up to
``MAX_LIFETIME_DAYS``: a secret left in a forgotten script stops working on its own.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Boolean, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import audit
from ..actors import OPERATOR_CLI, Actor, person_or_system
from ..errors import DomainError
from ..extensions import UTCDateTime, db, utcnow
from ..people.models import Person
from ..tenancy import CompanyOwned

PREFIX = "olt_"  # makes a leaked token easy to recognise (and to scan for)
NAME_MAX = 100
# Writing the last-used time on every call would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)
DEFAULT_LIFETIME_DAYS = 90
# A year: long enough for a yearly rotation, short enough that a leak does not last for ever.
MAX_LIFETIME_DAYS = 365
LIFETIME_CHOICES = (30, 60, 90, 180, 365)


class TokenExpired(Exception):
    """A token whose secret is right but whose time is over."""

    def __init__(self, token: ApiToken):
        super().__init__(f"token {token.id} expired at {token.expires_at.isoformat()}")
        self.token = token


def expiry(now: datetime, *, days: int | None = None, on: date | None = None) -> datetime:
    """When a token made at ``now`` expires: after ``days`` days, or at the end (UTC) of the
    day ``on``; ``DEFAULT_LIFETIME_DAYS`` when neither is given. At most a year ahead."""
    if on is not None:
        last = (now + timedelta(days=MAX_LIFETIME_DAYS)).date()
        if not now.date() <= on <= last:
            raise DomainError(f"Choose an expiry date from today to {last:%-d %b %Y}.",
                              "expires_on")
        return datetime.combine(on + timedelta(days=1), time(0), UTC)
    days = DEFAULT_LIFETIME_DAYS if days is None else days
    if not 1 <= days <= MAX_LIFETIME_DAYS:
        raise DomainError(f"A token lives from 1 to {MAX_LIFETIME_DAYS} days.", "expires_in")
    return now + timedelta(days=days)


class ApiToken(CompanyOwned, db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so a person can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every token expires: a forgotten script's secret stops working on its own.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: Actor, owner: Person, name: str, read_only: bool = False,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``owner`` and its secret (returned once, never stored): by the owner,
    or by the operator on the command line. ``expires_at`` comes from ``expiry`` (the
    default lifetime when None)."""
    maker = person_or_system(actor, OPERATOR_CLI)
    now = utcnow()
    if maker is not None and maker.id != owner.id:
        raise DomainError("People make their own tokens.")
    if not owner.active:
        raise DomainError(f"{owner.email} is deactivated; a token would not work.")
    if owner.must_change_password:
        raise DomainError(f"{owner.email} must change the password HR set first; "
                          "tokens can be made after that.")
    expires_at = expires_at or expiry(now)
    if not now < expires_at <= now + timedelta(days=MAX_LIFETIME_DAYS + 1):
        raise DomainError(f"A token expires within {MAX_LIFETIME_DAYS} days.", "expires_in")
    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the token a name, e.g. the script that uses it.", "name")
    if len(name) > NAME_MAX:
        raise DomainError(f"A token name is at most {NAME_MAX} characters.", "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(company_id=owner.company_id, person_id=owner.id, name=name,
                     token_hash=token_digest(secret), hint=secret[:len(PREFIX) + 6],
                     read_only=read_only, created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.create", owner,
                 after={"token_id": token.id, "name": name, "read_only": read_only,
                        "expires_at": expires_at.isoformat()})
    return token, secret


def tokens_of(person: Person) -> list[ApiToken]:
    """A person's tokens, live ones first, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.person_id == person.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())
    ))


def find_own_token(person: Person, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.person_id == person.id))


def revoke_token(actor: Actor, token: ApiToken) -> None:
    revoker = person_or_system(actor, OPERATOR_CLI)
    if revoker is not None and revoker.id != token.person_id:
        raise DomainError("People revoke their own tokens.")
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "token.revoke", token.person,
                 after={"token_id": token.id, "name": token.name})


def revoke_all_tokens(person: Person) -> int:
    """Revoke every live token of ``person`` (deactivation, password change). The caller's
    audit event says why; this one counts what went."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def authenticate_token(secret: str) -> ApiToken | None:
    """The live token for ``secret`` whose owner is active, or None; ``TokenExpired`` when its
    time is over. Notes when it was used."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).join(Person, Person.id == ApiToken.person_id)
        .where(ApiToken.token_hash == token_digest(secret), ApiToken.revoked_at.is_(None),
               Person.active.is_(True))
    )
    if token is None:
        return None
    now = utcnow()
    if token.expires_at <= now:
        raise TokenExpired(token)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token
