"""Pure rules of the care service: no database, HTTP or clock access (mypy --strict)."""
