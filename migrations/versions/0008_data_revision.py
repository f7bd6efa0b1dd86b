"""data revision: a counter on each company that every audited write moves

Revision ID: 0008_data_revision
Revises: 0007_people_by_name
Create Date: 2026-11-30 19:10:00.000000

The calibration session page reads every entry of a session, the people behind them and their
level history, and computes its charts, 9-box and flags from them: 10 ms for a session of 340
people. Kept under the company's data revision (orgladder.computed), it is computed once per
change instead of once per view.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0008_data_revision"
down_revision = "0007_people_by_name"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite drops a column itself since 3.35): a batch
# operation would copy ``companies``, which every company-owned table refers to.
def upgrade():
    op.add_column("companies", sa.Column("data_revision", sa.Integer(), server_default="0",
                                         nullable=False))


def downgrade():
    op.drop_column("companies", "data_revision")
