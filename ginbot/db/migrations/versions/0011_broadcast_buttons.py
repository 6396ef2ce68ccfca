"""broadcast buttons: quick replies carried through the outbox (the check-in's three answers)

Revision ID: 0011_broadcast_buttons
Revises: 0010_readiness
Create Date: 2026-11-30 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_broadcast_buttons'
down_revision = '0010_readiness'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quick_replies', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('quick_replies')
