"""handoff: conversation modes, handoffs and their transcripts, direct (one-person) outbox rows

Revision ID: 0012_handoff
Revises: 0011_broadcast_buttons
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_handoff'
down_revision = '0011_broadcast_buttons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_staff_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('assigned_staff', sa.String(length=64), nullable=True),
    sa.Column('telegram_thread_id', sa.Integer(), nullable=True),
    sa.Column('learned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['chat_users.id'], name=op.f('fk_handoffs_user_id_chat_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs'))
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_handoffs_status_opened', ['status', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoffs_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoffs_telegram_thread_id'), ['telegram_thread_id'], unique=False)

    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_post_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_messages_handoff_id_handoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_messages'))
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_messages_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_messages_staff_post_id'), ['staff_post_id'], unique=False)

    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), server_default='bot', nullable=False))
        batch_op.add_column(sa.Column('fallbacks_in_row', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('broadcast_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('retry_key', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('retry_key')
        batch_op.drop_column('text')
    op.execute("DELETE FROM outbox WHERE broadcast_id IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('broadcast_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.drop_column('fallbacks_in_row')
        batch_op.drop_column('mode')
    op.drop_table('handoff_messages')
    op.drop_table('handoffs')
