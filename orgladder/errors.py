"""Domain errors raised by services and turned into form errors, flashes or API problems."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule. ``field`` names the input at fault, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor is in the right company but may not do this (HTTP 403)."""
