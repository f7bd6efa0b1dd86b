"""Publishing a ladder, its versions, export and import (HR), on ``ladders.versions`` and
``ladders.catalog`` like the studio's pages."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_login import current_user

from ..access import Permission, requires
from ..errors import DomainError
from ..extensions import db
from ..ladders import catalog, versions
from ..ladders.document import LadderDocumentError
from ..ladders.models import LadderVersion
from ..ladders.service import load_ladder
from . import bp
from .errors import ApiError
from .io import JSON_TYPES, json_body, json_response, query_args, raw_body, with_etag
from .ladders import shown_ladder
from .openapi import operation
from .pagination import paged_response, paginate_list
from .represent import ladder_out
from .schemas.common import PageQuery, Ref
from .schemas.ladders import (
    ExportQuery,
    LadderDocument,
    LadderOut,
    PublishIn,
    VersionOut,
    VersionPage,
    VersionSummary,
)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def version_summary(version: LadderVersion) -> VersionSummary:
    by = version.published_by
    return VersionSummary(number=version.number, summary=version.summary,
                          published_at=version.published_at,
                          published_by=Ref(id=by.id, name=by.name) if by else None)


def version_body(ladder, version: LadderVersion) -> VersionOut:
    view, _ = versions.view_of_document(ladder, version.document)
    return VersionOut(**version_summary(version).model_dump(),
                      ladder=ladder_out(view, "published", version))


def _version(ladder, number) -> LadderVersion:
    try:
        return versions.get_version(ladder, number)
    except DomainError:
        raise ApiError(404, "This ladder has no such version.") from None


@bp.post("/ladders/<int:ladder_id>/publish")
@requires(Permission.MANAGE_LADDERS)
@operation("Publish the draft as the next version; everyone then reads it", tag="versions",
           response=VersionOut, status=201, body=PublishIn, etag=True, location=True,
           errors=(409,))
def publish(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    data = json_body(PublishIn)
    version = versions.publish(current_user, ladder, data.summary)
    db.session.commit()
    location = url_for("api.get_version", ladder_id=ladder_id, number=version.number)
    return json_response(version_body(ladder, version), 201, etag=True,
                         headers={"Location": location})


@bp.get("/ladders/<int:ladder_id>/versions")
@requires(Permission.VIEW_LADDER_DRAFTS)
@operation("List a ladder's published versions, newest first", tag="versions",
           response=VersionPage, query=PageQuery, paginated=True)
def list_versions(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    paging = query_args(PageQuery)
    items, window = paginate_list([version_summary(v) for v in versions.list_versions(ladder)],
                                  paging)
    return paged_response(VersionPage, items, window)


@bp.get("/ladders/<int:ladder_id>/versions/<int:number>")
@requires(Permission.VIEW_LADDER_DRAFTS)
@operation("Read one published version of a ladder", tag="versions", response=VersionOut,
           etag=True)
def get_version(ladder_id: int, number: int):
    ladder = load_ladder(current_user, ladder_id)
    return json_response(version_body(ladder, _version(ladder, number)), etag=True)


@bp.get("/ladders/<int:ladder_id>/export")
@requires(Permission.VIEW_LADDER_DRAFTS)
@operation("Export the draft or a version as a ladder document (JSON or YAML) or a CSV "
           "level table", tag="versions", query=ExportQuery, etag=True,
           response_media={"application/json": {"$ref": "#/components/schemas/LadderDocument"},
                           "application/yaml": {"$ref": "#/components/schemas/LadderDocument"},
                           "text/csv": {"type": "string"}})
def export(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    args = query_args(ExportQuery)
    if args.version == "draft":
        document = versions.draft_document(ladder)
    else:
        document = _version(ladder, args.version).document
    mimetype, body = catalog.export(document, args.format)
    return with_etag(Response(body, mimetype=mimetype), body.encode())


@bp.post("/ladders/import")
@requires(Permission.MANAGE_LADDERS)
@operation("Import a ladder document as a new ladder (a draft); a faulty document changes "
           "nothing and every fault is listed", tag="versions", response=LadderOut, status=201,
           body=LadderDocument, etag=True, location=True,
           body_media={media: {"type": "string"} for media in YAML_TYPES})
def import_ladder():
    raw = raw_body(JSON_TYPES + YAML_TYPES)
    filename = "ladder.json" if request.mimetype in JSON_TYPES else "ladder.yaml"
    try:
        ladder = catalog.import_new(current_user, raw, filename)
    except LadderDocumentError as error:
        raise ApiError(422, "The ladder document was refused; nothing changed.",
                       kind="invalid-document",
                       errors=[{"field": problem.path or "document",
                                "message": f"line {problem.line}: {problem.message}"
                                if problem.line else problem.message}
                               for problem in error.problems]) from None
    db.session.commit()
    return json_response(shown_ladder(ladder.id, "draft").body(), 201, etag=True,
                         headers={"Location": url_for("api.get_ladder", ladder_id=ladder.id)})
