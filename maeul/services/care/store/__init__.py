"""Repositories of the care service (SQLAlchemy Core, every query scoped to the caller's tenant)."""
