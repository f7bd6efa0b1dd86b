"""Rating and potential scales: labels lowest first; a value is the 1-based position."""

from __future__ import annotations

from ..errors import DomainError

DEFAULT_RATING_SCALE = [
    "Below expectations",
    "Partially meets expectations",
    "Meets expectations",
    "Exceeds expectations",
    "Far exceeds expectations",
]
DEFAULT_POTENTIAL_SCALE = ["Low", "Medium", "High"]
MIN_STEPS, MAX_STEPS, MAX_LABEL = 2, 10, 60
BANDS = ("low", "moderate", "high")


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def checked_scale(labels: list[str], field: str, what: str) -> list[str]:
    """Labels lowest first, stripped, or a DomainError on ``field``."""
    labels = [str(label).strip() for label in labels if str(label).strip()]
    if not MIN_STEPS <= len(labels) <= MAX_STEPS:
        raise DomainError(f"A {what} has {MIN_STEPS} to {MAX_STEPS} steps, one label per line.",
                          field=field)
    long = [label for label in labels if len(label) > MAX_LABEL]
    if long:
        raise DomainError(f"Keep each label under {MAX_LABEL} characters: {long[0][:20]}…",
                          field=field)
    if len({label.lower() for label in labels}) != len(labels):
        raise DomainError(f"Each step of the {what} needs its own label.", field=field)
    return labels


def parse_target(text: str | None, field: str = "target_distribution") -> list[int] | None:
    """Percentages per rating as typed ("5, 20, 50, 20, 5"); empty means no target."""
    text = (text or "").strip()
    if not text:
        return None
    parts = [part.strip().rstrip("%").strip() for part in text.replace(";", ",").split(",")]
    try:
        return [int(part) for part in parts]
    except ValueError:
        raise DomainError("Write the target as whole percentages separated by commas, "
                          "e.g. 5, 20, 50, 20, 5.", field=field) from None


def checked_target(values: list[int] | None, steps: int,
                   field: str = "target_distribution") -> list[int] | None:
    """A target with one percentage per rating adding up to 100, or None."""
    if not values:
        return None
    try:
        values = [int(value) for value in values]
    except (TypeError, ValueError):
        raise DomainError("The target holds whole percentages only.", field=field) from None
    if len(values) != steps:
        raise DomainError(f"Give one percentage for each of the {steps} ratings "
                          f"(you gave {len(values)}).", field=field)
    if any(value < 0 for value in values) or sum(values) != 100:
        raise DomainError(f"The percentages add up to {sum(values)}; they must add up to 100.",
                          field=field)
    return values


def format_target(values: list[int] | None) -> str:
    return ", ".join(str(value) for value in values) if values else ""


def band(value: int, steps: int) -> int:
    """0, 1 or 2: where a value of a scale falls in thirds, symmetric at both ends
    (on 1-5: 1-2 low, 3 moderate, 4-5 high; on 1-3: one each), for the 9-box."""
    index = value - 1
    if steps <= 1:
        return 1
    if index * 3 < steps - 1:
        return 0
    if index * 3 > 2 * (steps - 1):
        return 2
    return 1
