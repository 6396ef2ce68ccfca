"""inbox_events.sequence: the platform's order of a person's events (LINE timestamp, Telegram update_id)

Revision ID: 0015_inbox_sequence
Revises: 0014_broadcast_card
Create Date: 2026-11-30 14:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_inbox_sequence'
down_revision = '0014_broadcast_card'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_column('sequence')
