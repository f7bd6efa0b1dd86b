"""Creating a company: a tenant with its own copy of the default ladder."""

from __future__ import annotations

import re

from sqlalchemy import select

from . import audit
from .actors import OPERATOR_CLI, SYSTEM_SEED, person_or_system
from .errors import DomainError, NotAllowed
from .extensions import db
from .ladders.template import create_default_ladder
from .tenancy import Company

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def find_company(slug: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.slug == slug))


def create_company(actor, name: str, slug: str) -> Company:
    """A new tenant. Only the operator (command line) and the demo seed create companies:
    nobody signed in to one company makes another."""
    if person_or_system(actor, OPERATOR_CLI, SYSTEM_SEED) is not None:
        raise NotAllowed("Companies are created on the command line.")
    name, slug = name.strip(), slug.strip().lower()
    if not name:
        raise DomainError("Give the company a name.", field="name")
    if not SLUG.match(slug):
        raise DomainError("A slug is lowercase letters, digits and inner hyphens.", field="slug")
    if find_company(slug) is not None:
        raise DomainError(f"A company with the slug {slug!r} exists already.", field="slug")
    company = Company(name=name, slug=slug)
    db.session.add(company)
    db.session.flush()
    create_default_ladder(company.id)
    audit.record(actor, "company.create", company, after={"name": name, "slug": slug})
    return company
