"""notifications: what each person was told, how they like to be told, kept mail, and jobs

Revision ID: 0013_notifications
Revises: 0011_sign_in
Create Date: 2026-12-02 06:27:12.646027

New tables only: notifications (the bell), notification_preferences (a channel per person
and kind), mail_outbox (mail kept when no SMTP server is configured), job_failures (jobs that
failed their last attempt, for HR to retry) and schedule_claims (the unique keys that make
scheduled work happen once across hosts).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_notifications"
down_revision = "0011_sign_in"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schedule_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_claims')),
    sa.UniqueConstraint('key', name=op.f('uq_schedule_claims_key'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_mail_outbox_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    op.create_index(op.f('ix_mail_outbox_company_id'), 'mail_outbox', ['company_id'], unique=False)

    op.create_table('job_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('job', sa.String(length=200), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retried_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_job_failures_company_id_companies')),
    sa.ForeignKeyConstraint(['retried_by_id'], ['people.id'], name=op.f('fk_job_failures_retried_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures'))
    )
    op.create_index(op.f('ix_job_failures_company_id'), 'job_failures', ['company_id'], unique=False)
    op.create_index(op.f('ix_job_failures_retried_by_id'), 'job_failures', ['retried_by_id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_notification_preferences_company_id_companies')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_preferences_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('person_id', 'kind', name=op.f('uq_notification_preferences_person_id_kind'))
    )
    op.create_index(op.f('ix_notification_preferences_company_id'), 'notification_preferences', ['company_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_notifications_company_id_companies')),
    sa.ForeignKeyConstraint(['recipient_id'], ['people.id'], name=op.f('fk_notifications_recipient_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    op.create_index(op.f('ix_notifications_company_id'), 'notifications', ['company_id'], unique=False)
    op.create_index('ix_notifications_recipient_id_read_at', 'notifications', ['recipient_id', 'read_at'], unique=False)


def downgrade():
    op.drop_index('ix_notifications_recipient_id_read_at', table_name='notifications')
    op.drop_index(op.f('ix_notifications_company_id'), table_name='notifications')

    op.drop_table('notifications')
    op.drop_index(op.f('ix_notification_preferences_company_id'), table_name='notification_preferences')

    op.drop_table('notification_preferences')
    op.drop_index(op.f('ix_job_failures_retried_by_id'), table_name='job_failures')
    op.drop_index(op.f('ix_job_failures_company_id'), table_name='job_failures')

    op.drop_table('job_failures')
    op.drop_index(op.f('ix_mail_outbox_company_id'), table_name='mail_outbox')

    op.drop_table('mail_outbox')
    op.drop_table('schedule_claims')
