"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi`)."""

import gc

from sqlalchemy.orm import configure_mappers

from orgladder import create_app

app = create_app()

# What start-up builds lives as long as the worker. Frozen, it is left out of the cyclic
# garbage collector's full collections, which otherwise walked all of it: a 75 ms pause every
# few requests once pages load hundreds of ORM objects (a calibration session of 340 people).
configure_mappers()
gc.collect()
gc.freeze()
