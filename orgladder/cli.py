"""Operator commands: ``flask --app wsgi <command>``. Scripts depend on these exact forms."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from .access import Role
from .actors import OPERATOR_CLI
from .auth.tokens import (
    DEFAULT_LIFETIME_DAYS,
    MAX_LIFETIME_DAYS,
    create_token,
    expiry,
    revoke_all_tokens,
)
from .companies import create_company, find_company
from .demo import DEFAULT_PASSWORD, LOGINS, email_of, seed_demo
from .errors import DomainError
from .extensions import db, utcnow
from .ladders.models import Level
from .passwords import hash_password, password_problems
from .people.grants import describe, find_grant, grant_role, revoke_role
from .people.models import Person
from .people.service import assign_level, create_person, find_by_email
from .tenancy import Company


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def _checked_password(password: str) -> str:
    problems = password_problems(password)
    if problems:
        _fail(" ".join(problems))
    return password


@click.command("seed-demo")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help="Password of every demo account.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any company exists already.")
def seed_demo_command(password: str, if_empty: bool) -> None:
    """Load the demo company Acme (idempotent) and print its logins."""
    if if_empty and db.session.scalar(select(func.count(Company.id))) and not find_company("acme"):
        click.echo("The database holds companies already; the demo is not loaded.")
        return
    created = seed_demo(_checked_password(password))
    click.echo("Loaded the demo company Acme." if created else "The demo company Acme is loaded.")
    click.echo("Sign in at http://127.0.0.1:5000/login with one of:")
    for label, key in LOGINS:
        click.echo(f"  {label:<9} {email_of(key)}")
    click.echo(f"  password  {password if created else '(as set when the demo was loaded)'}")


@click.command("create-company")
@click.argument("name")
@click.option("--slug", required=True, help="Short unique name, e.g. acme.")
def create_company_command(name: str, slug: str) -> None:
    """Create a company with its own copy of the default ladder."""
    try:
        company = create_company(OPERATOR_CLI, name, slug)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created company {company.name} ({company.slug}) with the default ladder.")


@click.command("create-user")
@click.option("--company", "slug", required=True, help="The company's slug.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--manager", "manager_email", help="Email of the person's manager.")
@click.option("--level", "level_code", help="Level code, e.g. P2.")
@click.option("--profession-start", type=click.DateTime(["%Y-%m-%d"]),
              help="Start date in the profession (YYYY-MM-DD).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(slug, email, name, role, manager_email, level_code, profession_start,
                        password) -> None:
    """Create a person who can sign in."""
    company = find_company(slug)
    if company is None:
        _fail(f"No company with the slug {slug!r}.")
    manager = None
    if manager_email:
        manager = find_by_email(manager_email)
        if manager is None or manager.company_id != company.id:
            _fail(f"No one in {company.name} has the email {manager_email!r}.")
    level = None
    if level_code:
        levels = list(db.session.scalars(
            select(Level).where(Level.company_id == company.id, Level.code == level_code)
        ))
        if len(levels) != 1:
            _fail(f"{company.name} has {len(levels) or 'no'} levels with the code {level_code!r}.")
        level = levels[0]
    try:
        person = create_person(
            OPERATOR_CLI, company.id, email=email, name=name, manager=manager,
            profession_start=profession_start.date() if profession_start else None,
            roles={Role.EMPLOYEE, Role(role)}, password=_checked_password(password),
        )
        if level is not None:
            assign_level(OPERATOR_CLI, person, level, date.today(),
                         "Set when the account was created")
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {person.name} <{person.email}> in {company.name} as {role}.")


def _person(email: str, what: str = "") -> Person:
    person = find_by_email(email)
    if person is None:
        _fail(f"No one has the email {email!r}{what}.")
    return person


def _grant_args(email: str, scope_email: str | None) -> tuple[Person, Person | None]:
    person = _person(email)
    scope_root = _person(scope_email, " (--scope)") if scope_email else None
    if scope_root is not None and scope_root.company_id != person.company_id:
        _fail(f"{scope_root.email} works in another company than {person.email}.")
    return person, scope_root


@click.command("grant-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--scope", "scope_email", metavar="MANAGER_EMAIL",
              help="Limit an HR grant to the part of the org under this person.")
def grant_role_command(email: str, role: str, scope_email: str | None) -> None:
    """Grant ROLE to EMAIL (company-wide, or HR for the part under --scope)."""
    _change_grant(grant_role, email, role, scope_email,
                  done="Granted {grant} to {email}.", already="{email} holds {grant} already.")


@click.command("revoke-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--scope", "scope_email", metavar="MANAGER_EMAIL",
              help="The HR grant for the part of the org under this person.")
def revoke_role_command(email: str, role: str, scope_email: str | None) -> None:
    """Take ROLE (as granted, with its --scope) away from EMAIL."""
    _change_grant(revoke_role, email, role, scope_email, done="Revoked {grant} from {email}.",
                  already="{email} does not hold {grant}; nothing changed.", held_before=True)


def _change_grant(service, email: str, role: str, scope_email: str | None, *, done: str,
                  already: str, held_before: bool = False) -> None:
    """Grant or revoke through the one service, as the operator; ``held_before`` says whether
    holding the grant beforehand is what makes the change (a revoke) or makes it a no-op."""
    person, scope_root = _grant_args(email, scope_email)
    held = find_grant(person, role, scope_root) is not None
    try:
        service(OPERATOR_CLI, person, role, scope_root)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    message = done if held == held_before else already
    click.echo(message.format(grant=describe(role, scope_root), email=person.email))


@click.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--temporary", is_flag=True,
              help="The person must change it at their next sign-in (leave it off when they "
                   "chose it themselves with you).")
def set_password_command(email: str, password: str, temporary: bool) -> None:
    """Set a person's password (prompts for it)."""
    person = find_by_email(email)
    if person is None:
        _fail(f"No one has the email {email!r}.")
    person.password_hash = hash_password(_checked_password(password))
    person.must_change_password = temporary
    from . import audit
    from .auth.service import end_other_sessions

    person.session_token = None
    end_other_sessions(person)
    revoked = revoke_all_tokens(person)
    audit.record(OPERATOR_CLI, "auth.password_set", person,
                 after={"temporary": temporary, **({"tokens_revoked": revoked} if revoked else {})})
    db.session.commit()
    click.echo(f"Password set for {person.email}; their sessions are signed out"
               + (f" and their {revoked} API token(s) revoked." if revoked else ".")
               + (" They must change it when they next sign in." if temporary else ""))


@click.command("create-token")
@click.argument("email")
@click.option("--read-only", is_flag=True, help="The token can read but not change anything.")
@click.option("--name", default="Command line", show_default=True,
              help="What the token is for; shown on the person's settings page.")
@click.option("--expires-in-days", type=int, default=DEFAULT_LIFETIME_DAYS, show_default=True,
              help=f"Days until the token stops working (1 to {MAX_LIFETIME_DAYS}).")
def create_token_command(email: str, read_only: bool, name: str, expires_in_days: int) -> None:
    """Make an API token acting as EMAIL; prints it once, alone on the last line."""
    person = find_by_email(email)
    if person is None:
        _fail(f"No one has the email {email!r}.")
    try:
        token, secret = create_token(OPERATOR_CLI, person, name, read_only=read_only,
                                     expires_at=expiry(utcnow(), days=expires_in_days))
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    kind = "read-only " if token.read_only else ""
    click.echo(f"Created the {kind}API token {token.name!r} for {person.email}, expiring on "
               f"{token.expires_at:%-d %b %Y at %H:%M} UTC. It is shown once; keep it secret:")
    click.echo(secret)


@click.command("export-company")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_company_command(slug: str, file: Path) -> None:
    """Write one company completely (people, history, ladders, audit...) to FILE as JSON."""
    from .backup import export_company, record_export

    try:
        data = export_company(slug)
    except DomainError as error:
        _fail(error.message)
    file.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    counts = {name: len(rows) for name, rows in data["tables"].items()}
    record_export(slug, counts)
    db.session.commit()
    click.echo(f"Exported {slug}: {sum(counts.values())} rows in {len(counts)} tables to {file}.")


@click.command("import-company")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_company_command(file: Path) -> None:
    """Restore a company exported with export-company into this database (where it must not
    exist yet)."""
    from .backup import import_company

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        _fail(f"{file} is not a JSON export: {error}")
    try:
        company, renumbered = import_company(data)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Imported {company.name} ({company.slug})"
               + (" with new ids, as some of its ids were taken here." if renumbered else "."))


def register_cli(app: Flask) -> None:
    from .jobs.cli import register_job_commands

    register_job_commands(app)
    for command in (seed_demo_command, create_company_command, create_user_command,
                    set_password_command, export_company_command, import_company_command,
                    create_token_command, grant_role_command, revoke_role_command):
        app.cli.add_command(command)
