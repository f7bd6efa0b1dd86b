"""Two gunicorn instances on two ports, one database and one Redis: the app keeps no state in
its processes, so a load balancer may send any request to any instance.

    .venv/bin/python bench/two_instances.py                 # a fresh SQLite file
    .venv/bin/python bench/two_instances.py --database-url postgresql://postgres@127.0.0.1:5432/db

It seeds the demo, starts both instances and shows, over real HTTP:
  - a session signed in on one instance works on the other, and signing out on the other ends it;
  - a level assigned through one instance is what the other instance shows;
  - an entry saved through one instance shows on the other's calibration session page, which
    that instance's workers had computed and kept;
  - failed sign-ins sent to both instances are counted together (limits in Redis).
It exits non-zero if any of these does not hold.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "orgladder-demo"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects, like a test client."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def request(self, url: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, url: str, form: dict, token_from: str) -> tuple[int, str]:
        _, page = self.request(token_from)
        return self.request(url, {**form, "csrf_token": CSRF.search(page).group(1)})

    def sign_in(self, base: str, email: str, password: str = PASSWORD) -> int:
        return self.post_form(f"{base}/login", {"email": email, "password": password},
                              f"{base}/login")[0]

    def share_cookies_with(self, other: Browser) -> None:
        for cookie in self.cookies:
            # both instances listen on 127.0.0.1; cookies are per host, not per port
            other.cookies.set_cookie(cookie)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextmanager
def gunicorn(env: dict, port: int, workers: int):
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if Browser().request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn on {port} did not start: "
                                   f"{process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def check(label: str, condition: bool) -> bool:
    print(f"  {'ok  ' if condition else 'FAIL'} {label}")
    return condition


def run(database_url: str, redis_url: str, workers: int = 2) -> bool:
    env = {**os.environ, "ORGLADDER_ENV": "development", "DATABASE_URL": database_url,
           "REDIS_URL": redis_url, "SECRET_KEY": uuid.uuid4().hex * 2,
           "LOGIN_FAILURE_LIMIT": "3 per minute",
           "REDIS_KEY_PREFIX": f"two-instances-{uuid.uuid4().hex}", "LOG_LEVEL": "WARNING",
           "ORGLADDER_INSTANCE_PATH": tempfile.mkdtemp()}
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--if-empty", "--password", PASSWORD)
    results = []
    with ExitStack() as stack:
        a = stack.enter_context(gunicorn(env, free_port(), workers))
        b = stack.enter_context(gunicorn(env, free_port(), workers))
        print(f"instances: {a} and {b}, {workers} workers each")

        on_a, on_b = Browser(), Browser()
        results.append(check("sign in on A", on_a.sign_in(a, "julia@acme.example") == 302))
        on_a.share_cookies_with(on_b)
        status, page = on_b.request(f"{b}/me")
        results.append(check("the session from A works on B",
                             status == 200 and "Julia Novak" in page))

        _, people = on_a.request(f"{a}/people?q=noah")
        noah = re.search(r'href="/people/(\d+)"', people).group(1)
        status, _ = on_a.post_form(
            f"{a}/people/{noah}/level",
            {"level": level_id(on_a, f"{a}/people/{noah}/level", "P2"),
             "effective_date": date.today().isoformat(), "reason": "Owns onboarding end to end"},
            token_from=f"{a}/people/{noah}/level")
        _, seen_on_b = on_b.request(f"{b}/people/{noah}")
        results.append(check("a level assigned on A shows on B",
                             status == 302 and "Owns onboarding end to end" in seen_on_b))

        results.append(check("an entry saved on A shows on the session page B had kept",
                             entry_saved_on_a_shows_on_b(on_a, on_b, a, b, workers)))

        on_b.post_form(f"{b}/logout", {}, token_from=f"{b}/me")
        status, _ = on_a.request(f"{a}/me")
        results.append(check("signing out on B ends the session on A", status == 302))

        # Three failed sign-ins a minute are allowed from this address (Julia's success on A
        # did not count); the fourth failure's attempt is refused on whichever instance.
        stranger = Browser()
        statuses = [stranger.sign_in(base, "kenji@acme.example", "not the password")
                    for base in (b, a, b, a)]
        results.append(check(f"sign-ins on A and B count together: {statuses}",
                             statuses == [422, 422, 422, 429]))

    return all(results)


def entry_saved_on_a_shows_on_b(on_a: Browser, on_b: Browser, a: str, b: str,
                                 workers: int) -> bool:
    """Julia's session page on B, viewed until each of B's workers keeps it; then Julia
    rates Kenji 2 on A, and B's page lists him among those rated 2."""
    _, cycles = on_b.request(f"{b}/calibrations")
    session = re.search(r'href="(/calibrations/sessions/\d+)"', cycles).group(1)
    rated_two = f"{b}{session}?rating=2"
    kenji_listed = re.compile(r'<th scope="row"><a href="[^"]+">Kenji Sato</a>')
    before = [on_b.request(rated_two)[1] for _ in range(4 * workers)]
    if any(kenji_listed.search(page) for page in before):
        return False
    _, page = on_b.request(f"{b}{session}")
    entry = re.search(r'<a href="(/calibrations/entries/\d+)">Kenji Sato</a>', page).group(1)
    _, form = on_a.request(f"{a}{entry}")
    status, _ = on_a.post_form(f"{a}{entry}", {
        "revision": re.search(r'name="revision" type="hidden" value="(\d+)"', form).group(1),
        "proposed_level": re.search(r'<option selected value="(\d+)">P3 ', form).group(1),
        "performance": "2", "potential": "3"}, token_from=f"{a}{entry}")
    after = [on_b.request(rated_two)[1] for _ in range(2 * workers)]
    return status == 302 and all(kenji_listed.search(page) for page in after)


def level_id(browser: Browser, form_url: str, code: str) -> str:
    _, page = browser.request(form_url)
    return re.search(rf'<option value="(\d+)"[^>]*>{code} ', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/two.db"
    sys.exit(0 if run(url, args.redis_url, args.workers) else 1)


if __name__ == "__main__":
    main()
