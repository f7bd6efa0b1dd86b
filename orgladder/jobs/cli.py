"""``flask --app wsgi worker`` and ``flask --app wsgi run-schedule``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from redis import Redis
from rq import Queue, SimpleWorker

from ..extensions import utcnow
from .schedule import run_once


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run the jobs queued on Redis (needs REDIS_URL)."""
    config = current_app.config
    if config["JOBS_BACKEND"] != "rq":
        raise click.ClickException("The worker needs the RQ backend: set REDIS_URL "
                                   "(and leave JOBS_BACKEND unset or rq).")
    connection = Redis.from_url(config["REDIS_URL"])
    queue = Queue(config["JOBS_QUEUE"], connection=connection)
    # SimpleWorker runs jobs in this process, inside the app context this command holds: no
    # fork per job, so the database connections are reused rather than opened per job.
    SimpleWorker([queue], connection=connection).work(burst=burst, with_scheduler=True)


@click.command("run-schedule")
def run_schedule_command() -> None:
    """Do the scheduled work that is due now (reminders, digests); safe to run anywhere,
    any number of times."""
    for name, count in run_once(utcnow()).items():
        click.echo(f"{name}: {'failed (logged)' if count < 0 else count}")


def register_job_commands(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(run_schedule_command)
