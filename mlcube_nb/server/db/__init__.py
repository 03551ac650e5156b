"""Database layer: SQLAlchemy 2.0 tables, engine and sessions, Alembic migrations."""
