"""knowledge: message_log.topic, and the topics and phrasings staff add on the admin page

Revision ID: 0009_knowledge
Revises: 0008_inbox
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_knowledge'
down_revision = '0008_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=40), nullable=True))

    op.create_table('knowledge_topics',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_topics'))
    )
    op.create_table('knowledge_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_message_id'], ['message_log.id'], name=op.f('fk_knowledge_questions_source_message_id_message_log'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_questions'))
    )
    with op.batch_alter_table('knowledge_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_questions_source_message_id'), ['source_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_questions_topic_id'), ['topic_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('knowledge_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_questions_topic_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_questions_source_message_id'))
    op.drop_table('knowledge_questions')
    op.drop_table('knowledge_topics')
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.drop_column('topic')
