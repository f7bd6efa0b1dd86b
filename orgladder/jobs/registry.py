"""The jobs the app knows, by name. A queued job names its function here, so a name read
back from Redis or from a failure row can only ever run a function declared with ``@job``."""

from __future__ import annotations

from collections.abc import Callable

JOBS: dict[str, Callable[..., None]] = {}


def job(function: Callable[..., None]) -> Callable[..., None]:
    """Declare ``function`` a job: it takes keyword arguments that JSON can carry, and runs in
    its own app context and transaction (``backends.perform`` commits it)."""
    name = f"{function.__module__}.{function.__name__}"
    JOBS[name] = function
    function.job_name = name
    return function


def lookup(name: str) -> Callable[..., None]:
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job is named {name!r}") from None
