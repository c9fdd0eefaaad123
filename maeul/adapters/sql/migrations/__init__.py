"""Alembic migrations of Maeul's schema (SQLite and PostgreSQL)."""
