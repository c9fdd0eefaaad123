from maeul.services.complaints.ai.cli import build_app

build_app()()
