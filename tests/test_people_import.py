"""The people import through its pages: dry run, refusal, confirmation, idempotence, round trip."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.models import ImportBatch, LevelAssignment, Person
from orgladder.people.service import current_assignment

HEADER = ["email", "name", "manager_email", "level", "profession_start", "roles"]


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, filename="people.csv"):
    return client.post("/people/import", data={
        "csrf_token": client.csrf_token("/people/import"),
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def batch_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/people/import/(\d+)$", response.headers["Location"]).group(1))


def people_count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def new_team(org):
    return [
        ["ana@acmetest.test", "Ana Lead", org.boss.email, "M4", "2012-03-01", "manager"],
        ["ben@acmetest.test", "Ben Report", "ana@acmetest.test", "P2", "2020-01-15", ""],
        ["cy@acmetest.test", "Cy Report", "ben@acmetest.test", "P1", "", "employee"],
    ]


def test_dry_run_writes_nothing_and_confirm_applies_it(client, org):
    client.login(org.hr.email)
    before = people_count()
    rows = [*new_team(org), [org.emp.email, "Eli Renamed", org.mgr.email, "P2", "2018-01-01", ""]]
    batch_id = batch_of(upload(client, csv_bytes(rows)))
    assert people_count() == before
    page = client.get(f"/people/import/{batch_id}").get_data(as_text=True)
    assert "Dry run: nothing is written yet" in page
    assert "ana@acmetest.test" in page and "Eli Renamed" in page
    assert re.search(r'class="big">3</p><p>to add', page)
    assert re.search(r'class="big">1</p><p>to update', page)
    response = client.post_form(f"/people/import/{batch_id}/confirm",
                                token_from=f"/people/import/{batch_id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert people_count() == before + 3
    ana, ben, cy = (db.session.scalar(select(Person).where(Person.email == e))
                    for e in ("ana@acmetest.test", "ben@acmetest.test", "cy@acmetest.test"))
    assert ana.path == f"{org.boss.path}{ana.id}/" and cy.path == f"{ben.path}{cy.id}/"
    assert ana.roles == ["employee", "manager"] and cy.roles == ["employee"]
    assert current_assignment(ben).level.code == "P2"
    assert current_assignment(ben).decided_by_id == org.hr.id
    assert db.session.get(Person, org.emp.id).name == "Eli Renamed"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.in_(["person.import_create", "person.import_update"]))) == 4
    assert db.session.get(ImportBatch, batch_id).status == "applied"
    # the new manager sees her new team at once
    client.post_form("/logout", token_from="/")
    assert client.get(f"/people/{cy.id}").status_code == 302


def test_status_endpoint_reports_the_batch(client, org):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    assert client.get(f"/people/import/{batch_id}/status").get_json()["status"] == "previewed"
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    assert client.get(f"/people/import/{batch_id}/status").get_json()["status"] == "applied"
    # confirming twice applies nothing twice
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    assert db.session.scalar(select(func.count(Person.id)).where(
        Person.email == "ana@acmetest.test")) == 1


def test_every_kind_of_error_is_refused_with_row_and_column(client, org):
    client.login(org.hr.email)
    before = people_count()
    rows = [
        ["a@acmetest.test", "A", "ghost@acmetest.test", "P1", "", ""],           # 2 manager
        ["b@acmetest.test", "B", "", "Z9", "", ""],                               # 3 level
        ["b@acmetest.test", "B again", "", "P1", "", ""],                         # 4 duplicate
        ["c@acmetest.test", "C", "d@acmetest.test", "P1", "", ""],                # 5 cycle
        ["d@acmetest.test", "D", "c@acmetest.test", "P1", "", ""],                # 6 cycle
        ["e@acmetest.test", "E", "", "P1", "31/02/2020", ""],                     # 7 bad date
        ["not-an-email", "F", "", "P1", "", ""],                                  # 8 email
        ["g@acmetest.test", "G", "", "P1", "", "boss"],                           # 9 role
        [org.b_person.email, "Z", "", "P1", "", ""],                              # 10 elsewhere
        [org.hr.email, "Hannah Hr", "", "P3", "", "hr"],                          # 11 own level
    ]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    expected = [
        ("2", "manager_email", "Unknown manager ghost@acmetest.test"),
        ("3", "level", "Unknown level Z9"),
        ("4", "email", "Duplicate email b@acmetest.test: row 3 has it too."),
        ("5", "manager_email", "Reporting cycle"),
        ("6", "manager_email", "Reporting cycle"),
        ("7", "profession_start", "Bad date"),
        ("8", "email", "is not a valid email address"),
        ("9", "roles", "Unknown role boss"),
        ("10", "email", "outside your company"),
        ("11", "level", "Nobody assigns their own level."),
    ]
    for row, column, message in expected:
        assert re.search(rf'<th scope="row">{row}</th><td>{column}</td><td>[^<]*'
                         rf'{re.escape(message)}', body.replace("&#39;", "'")), (row, message)
    assert "Foreigncorp" not in body and org.b_person.name not in body
    assert people_count() == before
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_cycle_through_people_already_on_record(client, org):
    client.login(org.hr.email)
    rows = [[org.boss.email, "Bea Boss", org.emp2.email, "", "", ""]]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    assert "Reporting cycle" in response.get_data(as_text=True)


def test_fifty_errors_are_all_listed(client, org):
    client.login(org.hr.email)
    rows = [[f"p{i}@acmetest.test", f"P {i}", "", "P1", f"2020-13-{i:02d}", ""]
            for i in range(50)]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The file has 50 problems" in body
    assert body.count("<td>profession_start</td>") == 50
    assert '<th scope="row">51</th>' in body


def test_bad_encoding_is_refused(client, org):
    client.login(org.hr.email)
    data = csv_bytes([["zoe@acmetest.test", "Zoë", "", "P1", "", ""]]).decode().encode("latin-1")
    response = upload(client, data)
    assert response.status_code == 422
    assert "The file is not UTF-8 text (byte 0xEB on line 2)" in response.get_data(as_text=True)
    response = upload(client, b"PK\x03\x04 not really a workbook", "people.xlsx")
    assert response.status_code == 422
    assert "not a readable XLSX workbook" in response.get_data(as_text=True)


def test_missing_columns_are_named(client, org):
    client.login(org.hr.email)
    response = upload(client, csv_bytes([["x@acmetest.test", "X"]], header=["E-mail", "Name"]))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The column manager_email is missing." in body
    assert "The column level is missing." in body
    assert "The column email is missing." not in body  # "E-mail" is understood


def test_wrong_file_type_is_a_field_error(client, org):
    client.login(org.hr.email)
    response = upload(client, b"hello", "people.txt")
    assert response.status_code == 422
    assert "Upload a .csv or .xlsx file." in response.get_data(as_text=True)


def test_reimporting_the_same_file_changes_nothing(client, org):
    client.login(org.hr.email)
    data = xlsx_bytes(new_team(org))
    batch_id = batch_of(upload(client, data, "team.xlsx"))
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    assignments = db.session.scalar(select(func.count(LevelAssignment.id)))
    again = batch_of(upload(client, data, "team.xlsx"))
    page = client.get(f"/people/import/{again}").get_data(as_text=True)
    assert "there is nothing to import" in page
    assert re.search(r'class="big">3</p><p>unchanged', page)
    assert db.session.scalar(select(func.count(LevelAssignment.id))) == assignments


def test_a_changed_file_updates_only_what_changed(client, org):
    client.login(org.hr.email)
    rows = new_team(org)
    batch_id = batch_of(upload(client, csv_bytes(rows)))
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    rows[1][3] = "P3"                      # Ben promoted
    rows[2][2] = "ana@acmetest.test"       # Cy moves to Ana
    batch_id = batch_of(upload(client, csv_bytes(rows)))
    batch = db.session.get(ImportBatch, batch_id)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 2, 1)
    changes = {u["email"]: u["changes"] for u in batch.plan["updates"]}
    assert changes == {"ben@acmetest.test": {"level_id": ["P2", "P3"]},
                       "cy@acmetest.test": {"manager_email": ["ben@acmetest.test",
                                                              "ana@acmetest.test"]}}
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    db.session.expire_all()
    ana = db.session.scalar(select(Person).where(Person.email == "ana@acmetest.test"))
    cy = db.session.scalar(select(Person).where(Person.email == "cy@acmetest.test"))
    assert cy.manager_id == ana.id and cy.path == f"{ana.path}{cy.id}/"


def test_moving_a_manager_moves_their_whole_team(client, org):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(
        [[org.mgr.email, org.mgr.name, org.peer_mgr.email, "M4", "2018-01-01", ""]])))
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    db.session.expire_all()
    for person, manager in [(org.mgr, org.peer_mgr), (org.emp, org.mgr), (org.lead, org.mgr),
                            (org.emp2, org.lead)]:
        assert person.path == f"{manager.path}{person.id}/", person.name
    assert org.emp2.path.startswith(org.peer_mgr.path)


def test_a_stale_dry_run_is_refused(client, org):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(
        [[org.emp.email, "Eli From File", org.mgr.email, "P2", "2018-01-01", ""]])))
    db.session.get(Person, org.emp.id).name = "Eli Meanwhile"
    db.session.commit()
    response = client.post_form(f"/people/import/{batch_id}/confirm",
                                token_from=f"/people/import/{batch_id}")
    assert response.headers["Location"].endswith("/people/import")
    assert "The people changed since this dry run" in client.get("/people/import").get_data(True)
    db.session.expire_all()
    assert db.session.get(Person, org.emp.id).name == "Eli Meanwhile"


def test_round_trip_export_then_import_changes_nothing(client, org):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org) + [
        ["eq@acmetest.test", "=HYPERLINK(\"x\")", "", "P1", "", ""]])))
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    for fmt in ("csv", "xlsx"):
        exported = client.get(f"/people/export.{fmt}")
        assert exported.status_code == 200
        if fmt == "csv":
            text = exported.get_data().decode("utf-8-sig")
            assert "'=HYPERLINK" in text  # no formula reaches a spreadsheet
            assert org.b_person.email not in text
            assert len(text.strip().splitlines()) == 1 + 8 + 4
        batch_id = batch_of(upload(client, exported.get_data(), f"people.{fmt}"))
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.created_count, batch.updated_count) == (0, 0), batch.plan["updates"][:3]
        assert batch.unchanged_count == 12
