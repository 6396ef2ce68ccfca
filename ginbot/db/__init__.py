"""Persistence: SQLAlchemy models, the one session factory, query functions, Alembic migrations."""
