"""The app as production runs it, plus one floor endpoint that only the load benchmark mounts.

The floor is the cheapest page an authenticated request can be: the same sign-in check as every
page, one indexed query and a tiny template. Each real page's throughput is reported as a share
of the floor's, which makes the figures comparable across machines.

    gunicorn 'load_app:app' --chdir bench
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Blueprint, render_template_string  # noqa: E402
from flask_login import current_user  # noqa: E402
from sqlalchemy import select  # noqa: E402

from orgladder.access import Permission, requires  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.tenancy import Company  # noqa: E402

floor = Blueprint("bench_floor", __name__)


@floor.get("/bench/floor")
@requires(Permission.VIEW_SELF)
def floor_page():
    name = db.session.scalar(select(Company.name).where(Company.id == current_user.company_id))
    return render_template_string("<p>{{ name }}: {{ person }}</p>", name=name,
                                  person=current_user.name)


from wsgi import app  # noqa: E402  (the production entry point, as gunicorn loads it)

app.register_blueprint(floor)
