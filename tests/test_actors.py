"""Real actors only: every service takes the acting person or a named system actor, ``None``
is refused before anything else, and the audit log names the system actor that acted."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from datetime import date
from functools import cache
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from sqlalchemy import select

import orgladder
from orgladder.actors import (
    OPERATOR_CLI,
    SYSTEM_FINALIZE,
    SYSTEM_SEED,
    SYSTEM_SETUP,
    MissingActor,
)
from orgladder.audit import AuditEvent
from orgladder.errors import NotAllowed
from orgladder.extensions import db
from orgladder.ladders import versions
from orgladder.people.service import assign_level

from .factories import levels_of

# What a service's body does that a read does not: it writes the audit log, or asks who acts.
SERVICE_MARKERS = ("audit.record(", "check_editor(", "person_or_system(", "_check_allowed(",
                   "require_actor(")
PACKAGE = Path(orgladder.__file__).parent


@cache
def services() -> dict[str, object]:
    """Every function of the package whose first parameter is the actor and that writes or
    checks who acts: the services (found, not listed, so a new one is covered)."""
    found = {}
    for info in pkgutil.walk_packages(orgladder.__path__, "orgladder."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or info.name == "orgladder.actors":
                continue
            parameters = list(inspect.signature(function).parameters.values())
            if parameters and parameters[0].name == "actor" and any(
                    marker in inspect.getsource(function) for marker in SERVICE_MARKERS):
                found[f"{info.name}.{name}"] = function
    return found


def test_the_services_are_found():
    names = services()
    for expected in ("orgladder.people.service.assign_level",
                     "orgladder.ladders.editing.delete_level",
                     "orgladder.ladders.versions.publish",
                     "orgladder.calibration.service.transition"):
        assert expected in names
    assert len(names) > 30


@pytest.mark.parametrize("name", sorted(services()))
def test_a_service_refuses_a_missing_actor_first(app, name):
    """Called with ``None`` as the actor (and stand-ins for the rest), every service raises
    MissingActor before it reads or writes anything."""
    function = services()[name]
    positional, keywords = [], {}
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            keywords[parameter.name] = MagicMock()
        elif parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            positional.append(MagicMock())
    with app.app_context(), pytest.raises(MissingActor):
        function(None, *positional, **keywords)


def literal_none_actor_calls(source: str, names: set[str]) -> list[int]:
    """Lines where a call to one of ``names`` passes a literal None as the actor."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if called not in names:
            continue
        first = node.args[0] if node.args else None
        by_keyword = any(k.arg == "actor" and isinstance(k.value, ast.Constant)
                         and k.value.value is None for k in node.keywords)
        if by_keyword or (isinstance(first, ast.Constant) and first.value is None):
            lines.append(node.lineno)
    return lines


def test_no_code_passes_none_as_the_actor():
    """No call in the package passes a literal None to a service or to the audit log: work
    without a person acts as a named system actor."""
    names = {name.rsplit(".", 1)[1] for name in services()} | {"record"}
    found = {str(path.relative_to(PACKAGE)): lines for path in PACKAGE.rglob("*.py")
             if (lines := literal_none_actor_calls(path.read_text(encoding="utf-8"), names))}
    assert found == {}


def test_the_none_check_catches_a_canary():
    assert literal_none_actor_calls("assign_level(None, p, l, d, r)", {"assign_level"}) == [1]
    assert literal_none_actor_calls("x.publish(actor=None)", {"publish"}) == [1]
    assert literal_none_actor_calls("assign_level(actor, p)", {"assign_level"}) == []


def test_a_system_actor_passes_only_where_the_service_allows_it(org):
    level = levels_of(org.a)["P3"]
    with pytest.raises(NotAllowed):
        assign_level(SYSTEM_SETUP, org.emp, level, date.today(), "Not its work")
    with pytest.raises(NotAllowed):
        versions.publish(SYSTEM_FINALIZE, org.ladder_a, "Not its work either")
    with pytest.raises(NotAllowed):
        versions.restore(OPERATOR_CLI, org.ladder_a, versions.latest_version(org.ladder_a.id))


def test_the_demo_seed_and_company_setup_are_named(app):
    from orgladder.demo import seed_demo

    with app.app_context():
        seed_demo("a long demo password")
        names = set(db.session.scalars(select(AuditEvent.actor_name).where(
            AuditEvent.actor_name.is_not(None))))
        assert {SYSTEM_SEED.name, SYSTEM_SETUP.name} <= names
        db.session.rollback()
