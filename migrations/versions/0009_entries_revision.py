"""entries revision: a second counter on each company, moved by calibration work alone

Revision ID: 0009_entries_revision
Revises: 0008_data_revision
Create Date: 2026-11-30 20:50:00.000000

During calibration, entries are saved many times a minute. With one revision per company each
save threw away every result kept for the company, the ladder's levels and the people pages
included, though a save changes nothing they read. Saving an entry or a note now moves this
counter instead, and only the results that read calibration entries are kept under it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0009_entries_revision"
down_revision = "0008_data_revision"
branch_labels = None
depends_on = None


# A plain ALTER TABLE, as in 0008: a batch operation would copy ``companies``.
def upgrade():
    op.add_column("companies", sa.Column("entries_revision", sa.Integer(), server_default="0",
                                         nullable=False))


def downgrade():
    op.drop_column("companies", "entries_revision")
