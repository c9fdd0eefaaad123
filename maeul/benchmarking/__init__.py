"""Benchmarks of Maeul's ingestion and the ceilings it is compared with (see ``benchmarks/README.md``).

Nothing here runs in production: these modules start private brokers and throw-away databases, load them
and print figures. The test suite only checks that they produce figures, never how fast they are.
"""
