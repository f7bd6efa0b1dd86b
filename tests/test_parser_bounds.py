"""Every parser of user input is bounded: each upload and body endpoint is fed an alias bomb,
deep nesting, huge integers, an oversize file and a row flood through the real endpoint, and
each answers 4xx within 2 seconds with memory bounded (a safety bound, not a benchmark).

The list of entry points is checked against ``app.url_map``: a new endpoint that takes a file
or an API body and is not listed here fails ``test_every_parser_entry_point_is_listed``.
"""

from __future__ import annotations

import io
import json
import re
import time
import tracemalloc
import zipfile

import pytest

from orgladder.bounded import MAX_INT_DIGITS
from orgladder.people import tabular
from orgladder.uploads import FORM_OVERHEAD

from .factories import make_token
from .test_matrix import API, api_path

MAX_SECONDS = 2.0
MAX_PEAK_BYTES = 50 * 1024 * 1024
MAX_ANSWER_BYTES = 1024 * 1024  # the alias bomb once answered with 205 MB

# A 12 KB YAML that expands to 9**9 strings if its aliases are followed.
ALIAS_BOMB = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8))
DEEP = "[" * 5000 + "]" * 5000
HUGE_INT = "9" * 5000


def ladder_document(**fields) -> dict:
    return {"format": "orgladder.ladder", "format_version": 1, "name": "Hostile",
            "tracks": [], **fields}


LADDER_INPUTS = {
    "alias bomb": ("ladder.yaml", ALIAS_BOMB),
    "deep nesting": ("ladder.json", DEEP),
    "deep nesting in YAML": ("ladder.yaml", DEEP),
    "huge integer": ("ladder.json", json.dumps(ladder_document(format_version=1))
                     .replace('"format_version": 1', f'"format_version": {HUGE_INT}')),
    "huge integer in YAML": ("ladder.yaml", f"format: orgladder.ladder\nformat_version: "
                                            f"{HUGE_INT}\nname: Hostile\ntracks: []\n"),
    "oversize file": ("ladder.yaml", "# " + "x" * (600 * 1024)),
    "row flood": ("ladder.json", json.dumps(ladder_document(tracks=[{"name": 1}] * 25_000))),
}
BODY_INPUTS = {
    "alias bomb": ("application/yaml", ALIAS_BOMB),
    "alias bomb as JSON": ("application/json", ALIAS_BOMB),
    "deep nesting": ("application/json", DEEP),
    "deep nesting in an object": ("application/json", '{"name": ' + DEEP + "}"),
    "huge integer": ("application/json", '{"name": "x", "grade": ' + HUGE_INT + "}"),
    "oversize body": ("application/json", '{"name": "' + "x" * (2 * 1024 * 1024) + '"}'),
    "row flood": ("application/json", "[" + ",".join(["{}"] * 300_000) + "]"),
}


def sheet_xlsx(rows: list[list[str]], extra_rows: str = "") -> bytes:
    """A minimal XLSX written by hand (openpyxl takes many seconds to write a flood), with
    inline strings and no declared dimensions, as a hostile file need not declare them."""
    def row(number, values):
        cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                        for i, v in enumerate(values))
        return f'<row r="{number}">{cells}</row>'

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    body = "".join(row(i + 1, values) for i, values in enumerate(rows)) + extra_rows
    files = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-office'
            'document.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet '
                            'name="People" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{body}'
                                    "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """An XLSX-named zip whose sheet unpacks to 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (200 * 1024 * 1024))
    return buffer.getvalue()


HEADER = ["email", "name", "manager_email", "level", "years_of_experience"]


def people_inputs() -> dict[str, tuple[str, bytes]]:
    flood_rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>p{n}@flood.test</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>P</t></is></c>'
        f'<c r="D{n}" t="inlineStr"><is><t>P1</t></is></c></row>'
        for n in range(2, 200_002))
    return {
        "alias bomb (a zip bomb)": ("people.xlsx", zip_bomb()),
        "deep nesting": ("people.csv", (",".join(HEADER) + "\n" + DEEP + "\n").encode()),
        "huge integer": ("people.csv", (",".join(HEADER) + f"\na@x.test,A,,P1,{HUGE_INT}\n")
                         .encode()),
        "huge integer in XLSX": ("people.xlsx", sheet_xlsx([HEADER], (
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>a@x.test</t></is></c>'
            f'<c r="E2"><v>{HUGE_INT}</v></c></row>'))),
        "oversize file": ("people.csv", b"x" * (tabular.MAX_FILE_BYTES + FORM_OVERHEAD)),
        "row flood": ("people.csv", (",".join(HEADER) + "\n"
                                     + "a@flood.test,A,,P1,\n" * 200_000).encode()),
        "row flood in XLSX": ("people.xlsx", sheet_xlsx([HEADER], flood_rows)),
        "stray cell far below": ("people.xlsx", sheet_xlsx([HEADER], (
            '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'))),
    }


def bounded(call):
    """Run ``call`` twice: timed, then under tracemalloc (which slows allocation several
    times over, so it would distort the time). Assert the answer is a small 4xx, fast and
    lean both times."""
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        again = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    body = response.get_data()
    assert 400 <= response.status_code < 500, (response.status_code, body[:500])
    assert again.status_code == response.status_code
    assert elapsed < MAX_SECONDS, f"{elapsed:.2f} s"
    assert peak < MAX_PEAK_BYTES, f"{peak / 1e6:.0f} MB at peak"
    assert len(body) < MAX_ANSWER_BYTES
    return response


# endpoint -> how to reach it with a file (path from the org, the form's field)
UPLOADS = {
    "versions.import_new": lambda org: "/ladders/import",
    "versions.import_draft": lambda org: f"/ladders/{org.ladder_a.id}/import",
    "people_import.upload": lambda org: "/people/import",
}
UPLOAD_INPUTS = {"versions.import_new": LADDER_INPUTS, "versions.import_draft": LADDER_INPUTS}
API_WRITES = sorted(endpoint for endpoint, (method, *_rest) in API.items() if method != "GET")


def test_every_parser_entry_point_is_listed(app):
    """Every page that takes a file, and every API operation that takes a body, is fed the
    hostile inputs below."""
    declared = {rule.endpoint for rule in app.url_map.iter_rules()
                if getattr(app.view_functions[rule.endpoint], "upload_limit", None)}
    assert declared == set(UPLOADS)
    writes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert writes == set(API_WRITES)
    for endpoint in writes:  # each declares its body, so the bounded reader reads it
        assert app.view_functions[endpoint].api_operation.body is not None, endpoint


def test_a_file_sent_where_none_is_declared_is_refused(client, org):
    """So an upload cannot be added without a declared limit (and a place in UPLOADS)."""
    client.login(org.hr.email)
    response = client.post("/people/new", data={
        "csrf_token": client.csrf_token("/people/new"),
        "file": (io.BytesIO(b"email\n"), "people.csv")}, content_type="multipart/form-data")
    assert response.status_code == 415
    fields_only = client.post("/people/new", data={"csrf_token": client.csrf_token("/people/new")},
                              content_type="multipart/form-data")
    assert fields_only.status_code == 422  # the form, with its field errors: not refused


def upload_cases():
    cases = []
    for endpoint in UPLOADS:
        inputs = UPLOAD_INPUTS.get(endpoint)
        names = list(inputs) if inputs else list(people_inputs())
        cases += [pytest.param(endpoint, name, id=f"{endpoint}: {name}") for name in names]
    return cases


_PEOPLE_INPUTS: dict[str, tuple[str, bytes]] = {}


@pytest.mark.parametrize(("endpoint", "case"), upload_cases())
def test_each_upload_refuses_hostile_files_quickly(client, org, endpoint, case):
    if endpoint in UPLOAD_INPUTS:
        filename, text = UPLOAD_INPUTS[endpoint][case]
        data = text.encode()
    else:
        if not _PEOPLE_INPUTS:
            _PEOPLE_INPUTS.update(people_inputs())
        filename, data = _PEOPLE_INPUTS[case]
    client.login(org.hr.email)
    path = UPLOADS[endpoint](org)
    token = client.csrf_token(path)
    response = bounded(lambda: client.post(path, data={
        "csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data"))
    page = response.get_data(as_text=True)
    if "oversize" in case:
        assert response.status_code == 413
        assert re.search(r"at most \d+ (KB|MB)", page)
    else:
        assert response.status_code == 422
        assert "more problem" in page or "problem" in page.lower()


@pytest.mark.parametrize("endpoint", API_WRITES)
@pytest.mark.parametrize("case", list(BODY_INPUTS))
def test_each_api_body_refuses_hostile_bodies_quickly(client, org, endpoint, case):
    method = API[endpoint][0]
    path = api_path(endpoint, org, "hr", "direct")
    media, body = BODY_INPUTS[case]
    headers = {"Authorization": f"Bearer {make_token(org.hr)}", "Content-Type": media,
               "If-Match": '"whatever"'}
    response = bounded(lambda: client.open(path, method=method, data=body, headers=headers))
    assert response.mimetype == "application/problem+json"
    if "oversize" in case:
        assert response.status_code == 413
    elif case.startswith(("deep", "huge")):
        # Refused by the bounded reader itself, before any model or service saw the body.
        detail = json.dumps(response.get_json())
        assert ("nests more than" in detail
                or f"more than {MAX_INT_DIGITS} digits" in detail), detail


def test_the_problem_list_is_capped(client, org):
    client.login(org.hr.email)
    _, text = LADDER_INPUTS["row flood"]
    response = client.post("/ladders/import", data={
        "csrf_token": client.csrf_token("/ladders/import"),
        "file": (io.BytesIO(text.encode()), "ladder.json")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert re.search(r"and 2\d,\d{3} more problems", page)


def test_a_people_flood_stops_at_max_rows(client, org):
    client.login(org.hr.email)
    _, data = people_inputs()["row flood"]
    response = client.post("/people/import", data={
        "csrf_token": client.csrf_token("/people/import"),
        "file": (io.BytesIO(data), "people.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert f"more than {tabular.MAX_ROWS:,} people" in response.get_data(as_text=True)


@pytest.mark.parametrize("seen", [DEEP, '{"name": ' + HUGE_INT + "}", ALIAS_BOMB])
def test_a_form_field_read_as_json_is_bounded(client, org, seen):
    """The person form carries the record as it was opened, as JSON, and reads it back."""
    client.login(org.hr.email)
    path = f"/people/{org.emp.id}/edit"
    response = client.post_form(path, {"name": org.emp.name, "email": org.emp.email,
                                       "manager_email": org.mgr.email, "seen": seen})
    assert response.status_code in (302, 409, 422, 200)


@pytest.mark.parametrize("digits", [40, 5000])
def test_huge_ids_anywhere_in_a_url_are_never_a_server_error(app, client, org, digits):
    client.login(org.hr.email)
    secret = make_token(org.hr)
    number = "9" * digits
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = re.sub(r"<int:\w+>", number, rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        headers = {"Authorization": f"Bearer {secret}"} if path.startswith("/api/") else {}
        for query in ("", f"?page={number}", f"?per_page={number}", f"?manager={number}",
                      f"?version={number}&a={number}&b={number}"):
            response = client.get(path + query, headers=headers)
            response.get_data()  # a streamed export runs to its end inside the request
            response.close()
            assert response.status_code < 500, (path + query, response.status_code)
