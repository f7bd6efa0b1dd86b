"""The served OpenAPI document: valid OpenAPI 3.1, describing every operation and error; and
schemathesis, driven by it against the app, finds no 5xx and no response off the schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from orgladder.api.errors import TITLES

from ..calibration_setup import entry_of, standard_cycle
from ..factories import make_token


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_route_is_described_with_its_errors(app, spec):
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == served
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert operation["summary"] and operation["operationId"], (path, method)
            assert {"400", "429"} <= codes, (path, method)
            if path != "/api/v1/openapi.json":
                assert {"401", "403"} <= codes, (path, method)
            if "{" in path:
                assert "404" in codes, (path, method)
            if method == "patch":
                assert {"412", "428", "422"} <= codes, (path, method)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"])
    for status, response in spec["components"]["responses"].items():
        assert response["description"] == TITLES[int(status)]
        assert "application/problem+json" in response["content"]


def test_every_schema_is_used_and_every_field_named_in_the_issue_is_there(spec):
    schemas = spec["components"]["schemas"]
    person = set(schemas["PersonOut"]["properties"])
    assert {"id", "email", "name", "manager_id", "roles", "active", "level",
            "years_of_experience"} <= person
    level = set(schemas["LevelOut"]["properties"])
    assert {"id", "code", "title", "track_id", "position", "min_years", "max_years", "summary",
            "responsibilities", "skills", "expectations"} <= level
    assert {"id", "name", "kind", "levels"} <= set(schemas["TrackOut"]["properties"])
    assert {"id", "name", "tracks", "competencies", "equivalences", "version"} <= set(
        schemas["LadderOut"]["properties"])
    assert set(schemas["AssignmentCreate"]["required"]) == {"level_id", "effective_date",
                                                            "reason"}
    text = str(spec)
    unused = [name for name in schemas if f"#/components/schemas/{name}'" not in text]
    assert unused == []


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance, negative_data_rejection,
          missing_required_header, unsupported_method]
# Generated cases per operation and caller: HR with valid and invalid calls, an employee with
# valid ones (refusals must be documented too): about 640 cases on every run.
RUNS = (("hr", GenerationMode.POSITIVE, 10), ("hr", GenerationMode.NEGATIVE, 5),
        ("emp", GenerationMode.POSITIVE, 5))


def fuzz(operation, mode: GenerationMode, examples: int, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_generated_requests_find_no_error_and_no_response_off_the_schema(app, org):
    """schemathesis generates calls from the served document and sends them to the app with
    a token (so they reach the authenticated operations), often with ids of real objects."""
    def own_context(environ, start_response):
        """Each call in its own app context, as in production (the test holds one open)."""
        with app.app_context():
            return app(environ, start_response)

    ladder, track = org.ladder_a, org.ladder_a.tracks[0]
    people = [org.hr, org.mgr, org.emp, org.emp2, org.peer, org.b_person]
    cycle = standard_cycle(org)
    real = {
        "ladder_id": st.just(ladder.id), "track_id": st.just(track.id),
        "level_id": st.sampled_from([lv.id for lv in track.levels]),
        "number": st.just(1), "person_id": st.sampled_from([p.id for p in people]),
        "assignment_id": st.integers(1, 12),
        # a cycle in session, and its entries: Hannah's own among them (refused to her)
        "calibration_id": st.just(cycle.id),
        "entry_id": st.sampled_from([entry_of(cycle, p).id for p in people[:-1]]),
    }
    # Valid calls often name real objects; invalid ones keep what was generated, so the check
    # that they are refused knows exactly what was wrong with them.
    positive = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", own_context)
    negative = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", own_context)

    @positive.hook("flatmap_path_parameters")
    def real_ids(context, path_parameters):
        known = {name: real[name] for name in path_parameters or {} if name in real}
        if not known:
            return st.just(path_parameters)
        generated = {name: st.just(value) for name, value in path_parameters.items()}
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**generated, **known}))

    tokens = {"hr": make_token(org.hr, name="schemathesis"),
              "emp": make_token(org.emp, name="schemathesis")}
    for who, mode, examples in RUNS:
        source = positive if mode is GenerationMode.POSITIVE else negative
        operations = [result.ok() for result in source.get_all_operations()]
        assert len(operations) >= 32
        for operation in operations:
            fuzz(operation, mode, examples, {"Authorization": f"Bearer {tokens[who]}"})
