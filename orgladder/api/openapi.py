"""The OpenAPI 3.1 document, built from the routes and the pydantic models they declare.

Each API view carries an ``Operation`` (``@operation(...)``): its summary, models and the
errors particular to it. Paths and path parameters come from Flask's URL map, schemas from the
models' JSON Schema (2020-12, which OpenAPI 3.1 speaks), and the errors every operation shares
(401, 403, 404, 429, ...) from its access rule and shape, so an operation cannot be served
without being described.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..access import rule_for
from ..tenancy import MAX_ID
from .errors import PROBLEM_JSON, TITLES
from .schemas.common import Problem

REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    etag: bool = False  # the answer is a single resource with an ETag
    if_match: bool = False  # a PATCH guarded by If-Match
    paginated: bool = False  # a list with Link headers
    location: bool = False  # a 201 with the new resource's Location
    description: str = ""
    # Other media types than JSON: {media type: schema}
    response_media: dict[str, dict] = field(default_factory=dict)
    body_media: dict[str, dict] = field(default_factory=dict)


def operation(summary: str, **kwargs: Any) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.api_operation = Operation(summary, **kwargs)
        return view

    return decorate


def operation_of(view: Callable) -> Operation | None:
    return getattr(view, "api_operation", None)


def _problem_response(status: int) -> dict:
    return {"description": TITLES.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for name in re.findall(r"<(?:int:)?(\w+)>", rule):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})
    return re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule), params


def _query_parameters(model: type[BaseModel], defs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


ETAG_HEADER = {"description": "The version of this representation; send it back in "
                              "If-Match to change the resource.",
               "schema": {"type": "string"}}
LINK_HEADER = {"description": "RFC 8288 links to the first, prev, next and last pages.",
               "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "Where the new resource is.", "schema": {"type": "string"}}


def _operation(op: Operation, view: Callable, method: str, path_params: list[dict],
               refs: dict, defs: dict, endpoint: str) -> dict:
    rule = rule_for(view)
    public = rule is not None and rule.public
    spec: dict[str, Any] = {"operationId": endpoint.removeprefix("api."), "summary": op.summary,
                            "tags": [op.tag]}
    if op.description:
        spec["description"] = op.description
    if public:
        spec["security"] = []
    parameters = list(path_params)
    if op.query is not None:
        parameters += _query_parameters(op.query, defs)
    if op.if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": True,
                           "description": "The ETag of the resource as you last read it.",
                           "schema": {"type": "string", "minLength": 1}})
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None or op.body_media:
        content = {media: {"schema": schema} for media, schema in op.body_media.items()}
        if op.body is not None:
            content["application/json"] = {"schema": {"$ref": refs[op.body]}}
        spec["requestBody"] = {"required": True, "content": content}

    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    content = {media: {"schema": schema} for media, schema in op.response_media.items()}
    if op.response is not None:
        content["application/json"] = {"schema": {"$ref": refs[op.response]}}
    if content:
        success["content"] = content
    headers = {}
    if op.etag:
        headers["ETag"] = ETAG_HEADER
    if op.paginated:
        headers["Link"] = LINK_HEADER
    if op.location:
        headers["Location"] = LOCATION_HEADER
    if headers:
        success["headers"] = headers
    responses: dict[str, Any] = {str(op.status): success}
    if op.etag and method == "get":
        responses["304"] = {"description": "Not modified: If-None-Match named the current ETag.",
                            "headers": {"ETag": ETAG_HEADER}}

    errors = {400, 429, *op.errors}  # 400: a query or path value no text may hold
    if not public:
        errors |= {401, 403}
    if path_params:
        errors.add(404)
    if op.body is not None or op.body_media:
        errors |= {413, 415, 422}
    if op.if_match:
        errors |= {412, 428}
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    spec["responses"] = responses
    return spec


def build_spec(app: Flask, *, title: str, version: str, description: str) -> dict:
    routes = []
    outputs: set[type[BaseModel]] = {Problem}
    inputs: set[type[BaseModel]] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods))):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        op = operation_of(view)
        if op is None:
            raise LookupError(f"API endpoint {rule.endpoint} describes no operation")
        method = next(m for m in rule.methods if m not in ("HEAD", "OPTIONS")).lower()
        routes.append((rule, view, op, method))
        outputs |= {op.response} if op.response is not None else set()
        inputs |= {op.body} if op.body is not None else set()

    wanted = [(model, "serialization") for model in sorted(outputs, key=lambda m: m.__name__)]
    wanted += [(model, "validation") for model in sorted(inputs, key=lambda m: m.__name__)]
    keys, top = models_json_schema(wanted, ref_template=REF)
    refs = {model: keys[(model, mode)]["$ref"] for model, mode in wanted}
    defs = dict(top.get("$defs", {}))

    paths: dict[str, dict] = {}
    for rule, view, op, method in routes:
        path, params = _path(rule.rule)
        paths.setdefault(path, {})[method] = _operation(op, view, method, params, refs, defs,
                                                        rule.endpoint)
    statuses = {int(code) for item in paths.values() for o in item.values()
                for code in o["responses"] if int(code) >= 400}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in sorted({op.tag for _, _, op, _ in routes})],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token from your settings page or "
                               "`flask --app wsgi create-token`."}},
            "schemas": defs,
            "responses": {str(status): _problem_response(status) for status in sorted(statuses)},
        },
    }
