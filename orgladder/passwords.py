"""Password hashing (Argon2id at the configured cost) and the password policy.

The policy is a minimum length and a refusal of common passwords. ``data/common-passwords.txt.gz``
holds the 19,646 most common passwords of a study of leaked password sets by Royce Williams,
in the form Django ships for its ``CommonPasswordValidator`` (BSD licence). It is read from the
package, never fetched.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    cache = current_app.extensions.setdefault("orgladder.hashers", {})
    if key not in cache:
        cache[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
    return cache[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, still spend the hashing time (no timing oracle)."""
    hasher = _hasher()
    if not stored_hash:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other cost settings than today's."""
    return _hasher().check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    data = files("orgladder").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


# Digits and punctuation people put around a common word to pass a length rule.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def is_common(password: str) -> bool:
    """A listed password, in any letter case, also with digits or symbols around it
    ("Password123!") or repeated ("qwertyqwerty")."""
    listed = common_passwords()
    candidate = password.strip().lower()
    core = _DECORATION.sub("", candidate)
    half = len(candidate) // 2
    repeated = len(candidate) % 2 == 0 and candidate[:half] == candidate[half:]
    return (candidate in listed or (len(core) >= 4 and core in listed)
            or (repeated and candidate[:half] in listed))


def password_problems(password: str) -> list[str]:
    """Why a new password is refused; an empty list means it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 512:
        problems.append("Use at most 512 characters.")
    if not problems and is_common(password):
        problems.append("This password is one of the most common ones, so it is among the "
                        "first an attacker tries. Choose another, for example a few unrelated "
                        "words.")
    return problems
