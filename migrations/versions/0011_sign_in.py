"""sign in: a slow-down instead of a lockout, expiring API tokens, passwords to change

Revision ID: 0011_sign_in
Revises: 0010_system_actor
Create Date: 2026-12-02 06:30:00.000000

- ``sign_in_throttles`` is rebuilt: a row now counts the failures of one email address or of
  one trusted browser and says how long the next attempt waits; it no longer holds a lock.
  Its rows are short-lived counts, so the old ones are dropped with the old table.
- ``api_tokens.expires_at``: every token expires. Tokens made before this revision had no
  expiry; they get 90 days from the moment the migration runs (the default for new tokens),
  so no script stops at the upgrade and none works for ever.
- ``people.must_change_password``: set when someone else chose the person's password.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0011_sign_in"
down_revision = "0010_system_actor"
branch_labels = None
depends_on = None

EXISTING_TOKENS_LIVE_FOR = timedelta(days=90)


def _create_throttles():
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(op.f("ix_sign_in_throttles_last_failure_at"), "sign_in_throttles",
                    ["last_failure_at"], unique=False)


def upgrade():
    op.drop_index(op.f("ix_sign_in_throttles_window_started_at"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    _create_throttles()

    # Plain ALTER TABLE where it can be; the NOT NULL on a column that was just filled needs
    # batch mode on SQLite (a copy of the small api_tokens table), a plain ALTER elsewhere.
    op.add_column("people", sa.Column("must_change_password", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True),
                                          nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.get_bind().execute(tokens.update().values(
        expires_at=datetime.now(UTC) + EXISTING_TOKENS_LIVE_FOR))
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("must_change_password")
    op.drop_index(op.f("ix_sign_in_throttles_last_failure_at"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(op.f("ix_sign_in_throttles_window_started_at"), "sign_in_throttles",
                    ["window_started_at"], unique=False)
