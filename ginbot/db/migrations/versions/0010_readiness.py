"""readiness: each person's latest v9 status and the history of their answers

Revision ID: 0010_readiness
Revises: 0009_knowledge
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_readiness'
down_revision = '0009_knowledge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('readiness',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['chat_users.id'], name=op.f('fk_readiness_user_id_chat_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_readiness'))
    )
    with op.batch_alter_table('readiness', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readiness_status'), ['status'], unique=False)

    op.create_table('readiness_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['chat_users.id'], name=op.f('fk_readiness_reports_user_id_chat_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_reports'))
    )
    with op.batch_alter_table('readiness_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readiness_reports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_readiness_reports_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('readiness_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readiness_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_readiness_reports_created_at'))
    op.drop_table('readiness_reports')
    with op.batch_alter_table('readiness', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readiness_status'))
    op.drop_table('readiness')
