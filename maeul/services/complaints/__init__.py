"""Civic complaints (민원): Open311 GeoReport v2 intake, routing to departments, legal deadlines and handling."""
