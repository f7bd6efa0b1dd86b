"""Things to do once a transaction has committed, and never if it rolls back.

A ``Pending`` buffer holds what a transaction asked for (jobs to enqueue, audit events to turn
into notifications), each item tagged with the savepoint or transaction it was added in. When
the outermost transaction commits, the buffer hands its items over; when a savepoint rolls back,
only the items added inside it are dropped, as the rows they would act on are gone with it.

``after_commit`` fires for a released savepoint too, so the hand-over waits until no savepoint
is left open. ``after_soft_rollback`` (not ``after_rollback``) is the hook for dropping: it
names the transaction that ended, which a savepoint's rollback needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_BUFFERS: list[Pending] = []


class Pending:
    """Items collected in a session's transaction, given to ``on_commit`` after it commits."""

    def __init__(self, key: str, on_commit: Callable[[list[Any]], None]):
        self.key = f"orgladder.pending.{key}"
        self.on_commit = on_commit
        _BUFFERS.append(self)

    def add(self, session: Session, item: Any) -> None:
        # A session that has sent nothing yet has no transaction: begin it, so that a
        # rollback before anything else is sent still drops the item.
        transaction = (session.get_nested_transaction() or session.get_transaction()
                       or session.begin())
        session.info.setdefault(self.key, []).append((transaction, item))

    def items(self, session: Session) -> list[Any]:
        return [item for _, item in session.info.get(self.key, [])]


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; its outer transaction may still roll back
    for buffer in _BUFFERS:
        entries = session.info.pop(buffer.key, None)
        if not entries:
            continue
        try:
            buffer.on_commit([item for _, item in entries])
        except Exception:  # the commit has happened: whatever fails now must not undo the request
            log.exception("after-commit work %s failed", buffer.key)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous: SessionTransaction) -> None:
    for buffer in _BUFFERS:
        entries = session.info.get(buffer.key)
        if entries:
            entries[:] = [(t, item) for t, item in entries if not _inside(t, previous)]
            if not entries:
                session.info.pop(buffer.key, None)
