"""message_log: a partial index on the rows staff have not reviewed (the unanswered page)

Revision ID: 0007_unreviewed_index
Revises: 0006_feedback
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_unreviewed_index'
down_revision = '0006_feedback'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.create_index(
            'ix_message_log_unreviewed',
            ['created_at', 'id'],
            unique=False,
            sqlite_where=sa.text('reviewed_intent IS NULL'),
            postgresql_where=sa.text('reviewed_intent IS NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.drop_index('ix_message_log_unreviewed')
