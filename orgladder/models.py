"""Imports every model so the metadata (and Alembic's autogenerate) sees the whole schema."""

from .audit import AuditEvent
from .auth.models import AuthSession
from .auth.tokens import ApiToken
from .ladders.models import Competency, Expectation, Ladder, Level, Track
from .people.models import ImportBatch, LevelAssignment, Person, RoleGrant
from .tenancy import Company

__all__ = [
    "ApiToken", "AuditEvent", "AuthSession", "Company", "Competency", "Expectation", "ImportBatch",
    "Ladder", "Level", "LevelAssignment", "Person", "RoleGrant", "Track",
]
