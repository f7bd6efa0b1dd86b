"""The company's data revision, which every audited write moves as it commits, and the
worker's store of results kept under it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from orgladder import audit
from orgladder.computed import Results
from orgladder.extensions import db
from orgladder.tenancy import Company

from .factories import levels_of


def both_revisions(company) -> tuple[int, int]:
    """The company's (data, entries) revisions, as committed."""
    return tuple(db.session.execute(select(Company.data_revision, Company.entries_revision)
                                    .where(Company.id == company.id)).one())


def revisions(*companies) -> list[int]:
    """The data revision of each company."""
    return [both_revisions(company)[0] for company in companies]


def test_a_commit_moves_the_revision_of_each_company_it_audited_once(org):
    before = revisions(org.a, org.b)
    audit.record(org.hr, "test.first", org.hr)
    audit.record(org.hr, "test.second", org.emp)
    db.session.commit()
    assert revisions(org.a, org.b) == [before[0] + 1, before[1]]
    audit.record(org.hr_b, "test.third", org.b_person)
    audit.record(org.hr, "test.fourth", org.emp)
    db.session.commit()
    assert revisions(org.a, org.b) == [before[0] + 2, before[1] + 1]


def test_calibration_work_moves_the_entries_revision_alone(org):
    """Saving an entry or a note moves the entries revision only; a transaction that also
    writes anything else moves the data revision, which every kept result is keyed on."""
    data, entries = both_revisions(org.a)
    audit.record(org.mgr, "calibration.entry.update", org.emp)
    audit.record(org.mgr, "calibration.note.add", org.emp)
    db.session.commit()
    assert both_revisions(org.a) == (data, entries + 1)
    audit.record(org.mgr, "calibration.entry.update", org.emp)
    audit.record(org.hr, "person.update", org.emp)
    db.session.commit()
    assert both_revisions(org.a) == (data + 1, entries + 1)
    audit.record(org.hr, "person.update", org.emp)
    audit.record(org.mgr, "calibration.entry.update", org.emp)
    db.session.commit()
    assert both_revisions(org.a) == (data + 2, entries + 1)


def test_one_commit_moves_each_company_by_what_it_did_there(org):
    a, b = both_revisions(org.a), both_revisions(org.b)
    audit.record(org.hr, "person.update", org.emp)
    audit.record(org.hr_b, "calibration.note.add", org.b_person)
    db.session.commit()
    assert (both_revisions(org.a), both_revisions(org.b)) == ((a[0] + 1, a[1]),
                                                              (b[0], b[1] + 1))


def test_a_rolled_back_write_moves_nothing(org):
    before = revisions(org.a)
    audit.record(org.hr, "test.undone", org.hr)
    db.session.rollback()
    db.session.commit()
    assert revisions(org.a) == before


def test_a_look_is_audited_and_moves_no_revision(org):
    before = revisions(org.a)
    audit.record(org.hr, "calibration.notes.read", org.emp)
    audit.record(org.emp, "auth.login", org.emp)
    db.session.commit()
    assert revisions(org.a) == before
    assert db.session.scalar(select(func.count(audit.AuditEvent.id)).where(
        audit.AuditEvent.action == "calibration.notes.read")) == 1


def test_a_write_of_no_company_moves_no_revision(org):
    before = revisions(org.a, org.b)
    audit.record(None, "auth.login_failed", None)  # an unknown email: no company
    db.session.commit()
    assert revisions(org.a, org.b) == before


@dataclass
class Kept:
    size: int


def test_the_store_keeps_results_within_its_rows_least_recently_used_out():
    store = Results(max_rows=10)
    computed: list[str] = []

    def compute(name: str, size: int):
        def run():
            computed.append(name)
            return Kept(size)
        return run

    first = store.get("first", compute("first", 4))
    assert store.get("first", compute("first", 4)) is first
    store.get("second", compute("second", 4))
    store.get("first", compute("first", 4))  # first is now the most recently used
    store.get("third", compute("third", 4))  # 12 rows: second goes
    store.get("first", compute("first", 4))
    store.get("second", compute("second", 4))
    assert computed == ["first", "second", "third", "second"]
    huge = store.get("huge", compute("huge", 11))  # served, not kept
    assert huge.size == 11 and store.get("huge", compute("huge", 11)) is not huge


def test_the_store_keeps_an_answer_of_none():
    store, calls = Results(max_rows=10), []
    for _ in range(2):
        assert store.get("nothing", lambda: calls.append(1)) is None
    assert calls == [1]


def test_kept_levels_belong_to_no_session_and_each_call_gets_its_own(org, queries):
    """The company's levels are kept out of every session: a level the caller has loaded
    stays the caller's own object, a commit (which expires what a session holds) leaves the
    kept ones whole, and later calls get their copies without a query."""
    from orgladder.ladders.service import company_levels

    p3 = levels_of(org.a)["P3"]  # in the caller's session already
    levels = company_levels(org.a.id)
    assert levels[p3.id] is p3 and p3 in db.session
    p3.title = "Changed here only"  # never committed, never kept
    db.session.rollback()
    with queries() as statements:
        again = company_levels(org.a.id)
    assert not [s for s in statements if "FROM levels" in s], statements
    assert again[p3.id].title == "Senior Product Manager" and again[p3.id] in db.session
    assert again[p3.id].track.name == "Individual contributor"
