"""system actor: the audit log names the system actor that did work no person did

Revision ID: 0010_system_actor
Revises: 0009_entries_revision
Create Date: 2026-12-02 06:20:00.000000

Work without a person behind it (finalizing a calibration, an operator's command, the demo
seed) used to be recorded with an empty actor, which read as "nobody" and let a service skip
its checks. It now acts as a named system actor, and the event keeps that name.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0010_system_actor"
down_revision = "0009_entries_revision"
branch_labels = None
depends_on = None


# A plain ALTER TABLE, as in 0008: a batch operation would copy ``audit_events``, and on
# PostgreSQL the append-only trigger of 0005 stays in place.
def upgrade():
    op.add_column("audit_events", sa.Column("actor_name", sa.String(length=80), nullable=True))


def downgrade():
    op.drop_column("audit_events", "actor_name")
