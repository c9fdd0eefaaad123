"""Pure domain logic: no I/O, no frameworks. Everything here is tested table-driven without servers."""
