"""The API's request and response shapes (pydantic v2). They validate what comes in and are the
source of the OpenAPI document's schemas, so the document cannot drift from the code."""
