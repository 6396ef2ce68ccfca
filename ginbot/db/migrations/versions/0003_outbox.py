"""broadcasts, LINE multicast batches and the outbox (reminders and staff announcements)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('target_kind', sa.String(length=10), nullable=False),
    sa.Column('target_value', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('fanout_cursor', sa.Integer(), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=True),
    sa.Column('confirm_token', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    sa.UniqueConstraint('confirm_token', name=op.f('uq_broadcasts_confirm_token')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_broadcasts_dedupe_key'))
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index('ix_broadcasts_status_send_at', ['status', 'send_at'], unique=False)

    op.create_table('line_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_line_batches_broadcast_id_broadcasts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_batches')),
    sa.UniqueConstraint('retry_key', name=op.f('uq_line_batches_retry_key'))
    )
    with op.batch_alter_table('line_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_line_batches_broadcast_id'), ['broadcast_id'], unique=False)
        batch_op.create_index('ix_line_batches_claim', ['status', 'next_attempt_at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('line_batch_id', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('possibly_duplicated', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_outbox_broadcast_id_broadcasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_batch_id'], ['line_batches.id'], name=op.f('fk_outbox_line_batch_id_line_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['chat_users.id'], name=op.f('fk_outbox_user_id_chat_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('broadcast_id', 'user_id', name=op.f('uq_outbox_broadcast_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_broadcast_status', ['broadcast_id', 'status'], unique=False)
        batch_op.create_index('ix_outbox_claim', ['channel', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_line_batch_id'), ['line_batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_line_batch_id'))
        batch_op.drop_index('ix_outbox_claim')
        batch_op.drop_index('ix_outbox_broadcast_status')
    op.drop_table('outbox')
    with op.batch_alter_table('line_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_line_batches_claim')
        batch_op.drop_index(batch_op.f('ix_line_batches_broadcast_id'))
    op.drop_table('line_batches')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcasts_status_send_at')
    op.drop_table('broadcasts')
