"""Imports every model so the metadata (and Alembic's autogenerate) sees the whole schema."""

from .audit import AuditEvent
from .auth.models import AuthSession
from .auth.throttle import SignInThrottle
from .auth.tokens import ApiToken
from .calibration.models import CalibrationCycle, CalibrationEntry, CalibrationSession, EntryNote
from .jobs.models import JobFailure, ScheduleClaim
from .ladders.models import Competency, Expectation, Ladder, Level, Track
from .notifications.models import Notification, NotificationPreference, OutboxMail
from .people.models import ImportBatch, LevelAssignment, Person, RoleGrant
from .tenancy import Company

__all__ = [
    "ApiToken", "AuditEvent", "AuthSession", "CalibrationCycle", "CalibrationEntry",
    "CalibrationSession", "Company", "Competency", "EntryNote", "Expectation", "ImportBatch",
    "JobFailure", "Ladder", "Level", "LevelAssignment", "Notification",
    "NotificationPreference", "OutboxMail", "Person", "RoleGrant", "ScheduleClaim",
    "SignInThrottle", "Track",
]
