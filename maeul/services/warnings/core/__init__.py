"""The pure core of the warnings service: stages, forecasts, CAP documents, areas, shelters, message texts.

Nothing here imports SQLAlchemy, FastAPI or the platform; every function is deterministic and tested table-driven.
"""
