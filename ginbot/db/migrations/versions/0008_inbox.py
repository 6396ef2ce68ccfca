"""inbox: webhook events stored before the 200, processed with a lease; replaces processed_events

Revision ID: 0008_inbox
Revises: 0007_unreviewed_index
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_inbox'
down_revision = '0007_unreviewed_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('event_key', sa.String(length=80), nullable=False),
    sa.Column('person', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_events')),
    sa.UniqueConstraint('channel', 'event_key', name='uq_inbox_events_channel_event_key')
    )
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_events_person', ['channel', 'person', 'id'], unique=False)
        batch_op.create_index('ix_inbox_events_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_events_received_at'), ['received_at'], unique=False)
    # One mechanism for "seen": the inbox's unique key. Ids claimed by the old table belong to events
    # answered before this upgrade; platforms stop redelivering them within a day.
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_events_created_at'))
    op.drop_table('processed_events')


def downgrade() -> None:
    op.create_table('processed_events',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'event_id', name=op.f('pk_processed_events'))
    )
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_events_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_events_received_at'))
        batch_op.drop_index('ix_inbox_events_status_next')
        batch_op.drop_index('ix_inbox_events_person')
    op.drop_table('inbox_events')
