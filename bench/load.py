"""Load benchmark: gunicorn on PostgreSQL over loopback, a realistic mix of users, and a floor.

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/bench_load

The database is built by bench/generate.py when it holds no ``globex`` company yet. The server
runs pinned to CPU 0 and this load generator to CPU 1 (when the machine has two), so neither
steals the other's core. Three phases:

1. Capacity: each page alone, hammered by a fixed number of concurrent users for a while, in
   turns with the floor (bench/load_app.py); its requests per second are reported as a share of
   the floor's over the same turns.
2. Matched load: the number of concurrent users at which the floor's p95 stays within 20 ms.
   Each page alone at that load: p50, p95 and p99.
3. The mix at that load: employees reading their level and the ladder, managers browsing their
   teams and people, HR browsing the company. Per page: requests, errors, p50, p95 and p99
   (the percentiles of a page the mix asked fewer than 20 times are not shown: too few).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from generate import PASSWORD, generate  # noqa: E402
from settle import settle  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from two_instances import free_port  # noqa: E402

from config import normalize_database_url  # noqa: E402
from orgladder import create_app  # noqa: E402
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.ladders.models import Ladder  # noqa: E402
from orgladder.people.models import Person, RoleGrant  # noqa: E402
from orgladder.tenancy import Company  # noqa: E402

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FLOOR_P95_MS = 20.0
CAPACITY_SLICES = 5


@dataclass
class User:
    role: str
    email: str
    cookie: str = ""
    pages: list[tuple[str, str, int]] = field(default_factory=list)  # (name, path, weight)


def pick_users(database_url: str) -> list[User]:
    """Employees, managers of small and large teams, and HR of the big company."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Company).where(Company.slug == "globex")) is None:
            start = time.perf_counter()
            generate()
            print(f"generated the org in {time.perf_counter() - start:.1f} s, then vacuumed "
                  f"and analyzed it in {settle():.1f} s")
        company = db.session.scalar(select(Company).where(Company.slug == "globex"))
        ladder = db.session.scalar(select(Ladder.id).where(Ladder.company_id == company.id))
        managers = select(RoleGrant.person_id).where(RoleGrant.role == "manager")
        in_company = Person.company_id == company.id
        employees = db.session.scalars(
            select(Person).where(in_company, Person.id.not_in(managers), Person.manager_id
                                 .is_not(None)).order_by(Person.id).limit(30)).all()
        # Managers from the second level down: their subtrees run from a few to ~1,000 people.
        bosses = db.session.scalars(
            select(Person).where(in_company, Person.id.in_(managers))
            .order_by(func.length(Person.path), Person.id).offset(4).limit(15)).all()
        users = [User("hr", f"hr@{company.slug}.example", pages=[
            ("hr people", "/people", 2), ("hr people p40", "/people?page=40", 1),
            ("hr distribution", "/people/levels", 1)])]
        for person in employees:
            users.append(User("employee", person.email, pages=[
                ("employee my level", "/me", 4), ("employee ladder", f"/ladders/{ladder}", 1)]))
        for boss in bosses:
            report = db.session.scalar(select(Person.id).where(Person.manager_id == boss.id)
                                       .order_by(Person.id))
            users.append(User("manager", boss.email, pages=[
                ("manager home", "/", 1), ("manager people", "/people", 3),
                ("manager person", f"/people/{report}", 3), ("manager my level", "/me", 1)]))
        users += calibrators(company.id)
    return users


def calibrators(company_id: int) -> list[User]:
    """The participants of the cycle in session: each looks at the session, opens entries and
    saves them (a rating changed, the proposal kept)."""
    cycle = db.session.scalar(select(CalibrationCycle).where(
        CalibrationCycle.company_id == company_id, CalibrationCycle.state == "in_session"))
    if cycle is None:
        return []
    users = []
    for session in cycle.sessions:
        entries = db.session.execute(
            select(CalibrationEntry.id, CalibrationEntry.person_id,
                   CalibrationEntry.proposed_level_id)
            .where(CalibrationEntry.session_id == session.id).order_by(CalibrationEntry.id)
        ).all()
        for n, participant in enumerate(session.participants):
            # Each works on their share of the entries, never their own (which they cannot see).
            own = [row for row in entries if row.id % len(session.participants) == n
                   and row.person_id != participant.id]
            user = User("manager", participant.email, pages=[
                ("calibration session", f"/calibrations/sessions/{session.id}", 1),
                ("calibration entry", f"/calibrations/entries/{own[0].id}", 2),
                ("calibration save", f"save:{own[0].id}:{own[0].proposed_level_id}", 1)])
            user.pages += [("calibration entry", f"/calibrations/entries/{e.id}", 0)
                           for e in own[1:20]]
            users.append(user)
    return users


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, cookie: str = "", body: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            cookies = "; ".join(value.split(";")[0]
                                for value in response.msg.get_all("Set-Cookie") or [])
            return response.status, cookies, response.read()
        finally:
            connection.close()


def sign_in(server: Connection, user: User) -> None:
    _, cookie, page = server.request("GET", "/login")
    token = CSRF.search(page.decode()).group(1)
    form = urllib.parse.urlencode({"email": user.email, "password": PASSWORD,
                                   "csrf_token": token})
    status, set_cookie, _ = server.request("POST", "/login", cookie, form)
    if status != 302:
        raise RuntimeError(f"{user.email} could not sign in ({status})")
    user.cookie = set_cookie


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "ORGLADDER_ENV": "production", "DATABASE_URL": database_url,
           "SECRET_KEY": uuid.uuid4().hex * 2, "REDIS_URL": "redis://127.0.0.1:6379/0",
           "REDIS_KEY_PREFIX": f"load-{uuid.uuid4().hex}", "LOG_LEVEL": "WARNING",
           "LOGIN_FAILURE_LIMIT": "100000 per minute"}
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--chdir", str(BENCH), "load_app:app"]
    if (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "0", *command]
        os.sched_setaffinity(0, {1})  # the load generator keeps to the other core
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if Connection(port).request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


REVISION = re.compile(r'name="revision"[^>]*value="(\d+)"')


def save_entry(server: Connection, user: User, action: str, rng: random.Random
               ) -> list[tuple[str, float, int]]:
    """Open an entry's form, then save it with a new performance rating: two requests, timed
    as "calibration entry" and "calibration save". A save that lost a race to another
    participant is answered 409, which is the right answer and not an error."""
    _, entry_id, level_id = action.split(":")
    start = time.monotonic()
    status, cookie, page = server.request("GET", f"/calibrations/entries/{entry_id}", user.cookie)
    timed = [("calibration entry", time.monotonic() - start, status)]
    if status != 200:
        return timed
    user.cookie = cookie or user.cookie  # the form's CSRF token may have joined the session
    html = page.decode()
    form = urllib.parse.urlencode({
        "csrf_token": CSRF.search(html).group(1), "revision": REVISION.search(html).group(1),
        "proposed_level": level_id, "performance": rng.randint(1, 5), "potential": 2})
    start = time.monotonic()
    status = server.request("POST", f"/calibrations/entries/{entry_id}", user.cookie, form)[0]
    return [*timed, ("calibration save", time.monotonic() - start,
                     200 if status in (302, 409) else status)]


def closed_loop(server: Connection, pick, seconds: float, concurrency: int
                ) -> dict[str, list[tuple[float, int]]]:
    """``concurrency`` users each send a request as soon as their last one is answered, for
    ``seconds``; ``pick(rng)`` gives (page name, user, path). Latencies and statuses by page."""
    results: dict[str, list[tuple[float, int]]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(k: int) -> None:
        rng = random.Random(k)
        while time.monotonic() < stop:
            name, user, path = pick(rng)
            if path.startswith("save:"):
                timed = save_entry(server, user, path, rng)
            else:
                start = time.monotonic()
                status = server.request("GET", path, user.cookie)[0]
                timed = [(name, time.monotonic() - start, status)]
            with lock:
                for page, latency, status in timed:
                    results[page].append((latency, status))
    threads = [threading.Thread(target=loop, args=(k,)) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return 1000 * cuts[49], 1000 * cuts[94], 1000 * cuts[98]


def latency_table(results: dict[str, list[tuple[float, int]]], only: str | None = None) -> None:
    for name, rows in sorted(results.items()):
        if only is not None and name != only:
            continue
        bad = sum(status != 200 for _, status in rows)
        figures = ("{:7.1f} " * 3).format(*percentiles([latency for latency, _ in rows])) \
            if len(rows) >= 20 else f"{'too few to tell':>23} "
        print(f"{name:<22} {len(rows):8d} {bad:7d} {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pages", nargs="+", metavar="PAGE",
                        help="measure only the capacity of these pages (names as printed), "
                        "e.g. to compare two versions of the code on one database")
    args = parser.parse_args()
    url = normalize_database_url(args.database_url)
    users = pick_users(url)
    port = free_port()
    process = start_server(url, port, args.workers)
    try:
        server = Connection(port)
        for user in users:
            sign_in(server, user)
        report(server, users, args)
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(server: Connection, users: list[User], args) -> None:
    targets: dict[str, list[tuple[User, str]]] = defaultdict(list)
    for user in users:
        for name, path, _ in user.pages:
            if not args.pages or name in args.pages:
                targets[name].append((user, path))
    print(f"gunicorn -w {args.workers}, {len(users)} signed-in users, capacity runs of "
          f"{args.seconds:.0f} s with {args.concurrency} concurrent users, in "
          f"{CAPACITY_SLICES} turns with as long for the floor")

    def only(name: str, pairs):
        return lambda rng: (name, *pairs[rng.randrange(len(pairs))])

    floor = [(user, "/bench/floor") for user in users]
    print(f"\n{'page':<22} {'req/s':>7} {'floor':>7} {'of floor':>9} {'errors':>7}")
    for name, pairs in targets.items():
        # The page and the floor take turns in short slices, so that both meet the same
        # machine: a shared virtual machine's speed drifts by a third within a run, and one
        # floor measured at the start made every later share drift with it.
        counts, errors = {"page": 0, "floor": 0}, 0
        for _ in range(CAPACITY_SLICES):
            for kind, pick in (("floor", only("floor", floor)), ("page", only(name, pairs))):
                # Every request counts: a save is two (its form, then the post).
                rows = [row for timed in closed_loop(
                    server, pick, args.seconds / CAPACITY_SLICES, args.concurrency).values()
                    for row in timed]
                counts[kind] += len(rows)
                errors += sum(status != 200 for _, status in rows)
        rps, floor_rps = (counts[kind] / args.seconds for kind in ("page", "floor"))
        print(f"{name:<22} {rps:7.0f} {floor_rps:7.0f} {rps / floor_rps:8.0%} {errors:7d}")
    if args.pages:
        return

    concurrency = matched_concurrency(server, only("floor", floor), args.seconds)
    print(f"\neach page alone with {concurrency} concurrent users for {args.seconds / 2:.0f} s")
    print(f"{'page':<22} {'requests':>8} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, pairs in targets.items():
        # A save's run opens each entry's form too; the form has its own run.
        latency_table(closed_loop(server, only(name, pairs), args.seconds / 2, concurrency),
                      only=name)
    mix = [(name, user, path) for user in users for name, path, weight in user.pages
           for _ in range(weight)]
    results = closed_loop(server, lambda rng: mix[rng.randrange(len(mix))], args.seconds * 2,
                          concurrency)
    total = sum(len(rows) for rows in results.values())
    errors = sum(status != 200 for rows in results.values() for _, status in rows)
    print(f"\nthe mix with {concurrency} concurrent users for {args.seconds * 2:.0f} s: "
          f"{total} requests ({total / args.seconds / 2:.0f} req/s), {errors} errors")
    print(f"{'page':<22} {'requests':>8} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    latency_table(results)


def matched_concurrency(server: Connection, pick, seconds: float) -> int:
    """The most concurrent users (1, 2, 3, ...) at which the floor's p95 stays within 20 ms:
    the load at which the pages' latencies are compared."""
    chosen = 1
    for concurrency in range(1, 33):
        rows = closed_loop(server, pick, seconds / 2, concurrency)["floor"]
        p95 = percentiles([latency for latency, _ in rows])[1]
        print(f"  floor with {concurrency:2d} concurrent users: {len(rows) / seconds * 2:5.0f} "
              f"req/s, p95 {p95:5.1f} ms")
        if p95 > FLOOR_P95_MS:
            break
        chosen = concurrency
    return chosen


if __name__ == "__main__":
    main()
