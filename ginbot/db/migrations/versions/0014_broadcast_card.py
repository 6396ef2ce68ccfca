"""broadcast card: a title, label/value fields and link/phone buttons shown with an announcement

Revision ID: 0014_broadcast_card
Revises: 0013_rate_limits
Create Date: 2026-11-30 14:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_broadcast_card'
down_revision = '0013_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('card')
