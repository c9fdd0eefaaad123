"""``python -m maeul`` is the ``maeul`` command."""

from maeul.cli.main import app

app()
