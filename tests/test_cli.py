"""The operator commands, in the exact forms scripts use."""

from __future__ import annotations

from sqlalchemy import func, select

from orgladder.extensions import db
from orgladder.ladders.models import Ladder, Level
from orgladder.people.models import Person
from orgladder.people.service import current_assignment, find_by_email
from orgladder.tenancy import Company


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_seed_demo_is_idempotent_and_prints_logins(app, ctx):
    first = run(app, "seed-demo", "--password", "a demo password")
    assert first.exit_code == 0, first.output
    for email in ["hana@acme.example", "marcus@acme.example", "julia@acme.example",
                  "kenji@acme.example"]:
        assert email in first.output
    assert "a demo password" in first.output
    people = count(Person)
    assert people >= 15

    second = run(app, "seed-demo")
    assert second.exit_code == 0 and "kenji@acme.example" in second.output
    assert count(Person) == people and count(Company) == 1


def test_seed_demo_if_empty_leaves_a_used_database_alone(app, ctx):
    assert run(app, "create-company", "Globex", "--slug", "globex").exit_code == 0
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0 and "not loaded" in result.output
    assert count(Company) == 1


def test_demo_sign_in_works(app, ctx, client):
    run(app, "seed-demo")
    assert client.login("marcus@acme.example", "orgladder-demo").status_code == 302
    assert "Priya Natarajan" in client.get("/people").get_data(as_text=True)


def test_create_company_copies_the_default_ladder(app, ctx):
    result = run(app, "create-company", "Globex Corp", "--slug", "globex")
    assert result.exit_code == 0, result.output
    company = db.session.scalar(select(Company).where(Company.slug == "globex"))
    ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company.id))
    assert ladder.name == "Product Management"
    assert {lv.code for t in ladder.tracks for lv in t.levels} == {
        "P1", "P2", "P3", "P4", "M4", "M5", "M6", "M7"}


def test_create_company_refuses_bad_or_taken_slugs(app, ctx):
    assert run(app, "create-company", "Globex", "--slug", "globex").exit_code == 0
    taken = run(app, "create-company", "Other", "--slug", "globex")
    assert taken.exit_code != 0 and "exists already" in taken.output
    bad = run(app, "create-company", "Other", "--slug", "Not A Slug!")
    assert bad.exit_code != 0 and "slug" in bad.output
    assert count(Company) == 1


def test_create_user_with_manager_level_and_prompted_password(app, ctx, client):
    run(app, "create-company", "Globex", "--slug", "globex")
    boss = run(app, "create-user", "--company", "globex", "--email", "Boss@Globex.test",
               "--name", "Bo Boss", "--role", "manager", "--password", "long enough secret")
    assert boss.exit_code == 0, boss.output
    result = run(app, "create-user", "--company", "globex", "--email", "ann@globex.test",
                 "--name", "Ann Analyst", "--role", "employee", "--manager", "boss@globex.test",
                 "--level", "P2", input="typed secret 123\ntyped secret 123\n")
    assert result.exit_code == 0, result.output
    ann = find_by_email("ann@globex.test")
    assert ann.manager.email == "boss@globex.test"
    assert current_assignment(ann).level.code == "P2"
    assert ann.roles == ["employee"]
    assert client.login("ann@globex.test", "typed secret 123").status_code == 302


def test_create_user_refusals_change_nothing(app, ctx):
    run(app, "create-company", "Globex", "--slug", "globex")
    people = count(Person)
    cases = [
        (["--company", "nope"], "No company"),
        (["--manager", "ghost@globex.test"], "ghost@globex.test"),
        (["--level", "Z9"], "no levels with the code"),
        (["--password", "short"], "at least 12"),
    ]
    for extra, message in cases:
        args = {"--company": "globex", "--email": "x@globex.test", "--name": "X",
                "--role": "employee", "--password": "long enough secret"}
        for key, value in zip(extra[::2], extra[1::2], strict=True):
            args[key] = value
        flat = [item for pair in args.items() for item in pair]
        result = run(app, "create-user", *flat)
        assert result.exit_code != 0 and message in result.output, (extra, result.output)
    assert count(Person) == people


def test_emails_are_unique_across_companies(app, ctx):
    run(app, "create-company", "Globex", "--slug", "globex")
    run(app, "create-company", "Initech", "--slug", "initech")
    args = ["--email", "same@example.test", "--name", "S", "--role", "employee",
            "--password", "long enough secret"]
    assert run(app, "create-user", "--company", "globex", *args).exit_code == 0
    again = run(app, "create-user", "--company", "initech", *args)
    assert again.exit_code != 0 and "already uses this email" in again.output


def test_set_password(app, ctx, client):
    run(app, "seed-demo")
    result = run(app, "set-password", "kenji@acme.example",
                 input="brand new secret\nbrand new secret\n")
    assert result.exit_code == 0, result.output
    assert client.login("kenji@acme.example", "orgladder-demo").status_code == 422
    assert client.login("kenji@acme.example", "brand new secret").status_code == 302
    assert run(app, "set-password", "ghost@acme.example", "--password",
               "whatever long pw").exit_code != 0


def test_level_codes_are_per_company(app, ctx):
    run(app, "create-company", "Globex", "--slug", "globex")
    run(app, "create-company", "Initech", "--slug", "initech")
    assert db.session.scalar(select(func.count(Level.id)).where(Level.code == "P1")) == 2


def grants_held(email: str) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    person = find_by_email(email)
    return sorted((g.role, g.scope_root_id) for g in person.grants)


def test_grant_role_and_revoke_role_with_and_without_a_scope(app, org):
    from orgladder.audit import AuditEvent

    granted = run(app, "grant-role", org.emp.email, "hr", "--scope", org.mgr.email)
    assert granted.exit_code == 0, granted.output
    assert f"Granted hr for the part of the org under Mona Manager <{org.mgr.email}>" in (
        granted.output)
    assert grants_held(org.emp.email) == [("employee", None), ("hr", org.mgr.id)]
    again = run(app, "grant-role", org.emp.email, "hr", "--scope", org.mgr.email)
    assert again.exit_code == 0 and "already" in again.output
    assert run(app, "grant-role", org.emp.email, "manager").exit_code == 0
    assert grants_held(org.emp.email) == [("employee", None), ("hr", org.mgr.id),
                                          ("manager", None)]
    revoked = run(app, "revoke-role", org.emp.email, "hr", "--scope", org.mgr.email)
    assert revoked.exit_code == 0 and "Revoked hr for the part" in revoked.output
    missing = run(app, "revoke-role", org.emp.email, "hr", "--scope", org.mgr.email)
    assert missing.exit_code == 0 and "nothing changed" in missing.output
    assert grants_held(org.emp.email) == [("employee", None), ("manager", None)]
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_id == org.emp.id,
        AuditEvent.action.in_(["person.grant", "person.revoke"]))).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("person.grant", None), ("person.grant", None), ("person.revoke", None)]


def test_grant_role_refusals_change_nothing(app, org):
    before = grants_held(org.emp.email)
    cases = [
        (["grant-role", "ghost@acmetest.test", "hr"], "ghost@acmetest.test"),
        (["grant-role", org.emp.email, "hr", "--scope", "ghost@acmetest.test"], "--scope"),
        (["grant-role", org.emp.email, "hr", "--scope", org.b_person.email], "another company"),
        (["grant-role", org.emp.email, "manager", "--scope", org.mgr.email], "Only an HR grant"),
        (["grant-role", org.emp.email, "admin"], "admin"),
        (["revoke-role", org.emp.email, "employee"], "keeps the employee role"),
    ]
    for args, message in cases:
        result = run(app, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert grants_held(org.emp.email) == before
