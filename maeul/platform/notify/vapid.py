"""The tenant's VAPID public key: what a browser passes to ``pushManager.subscribe`` as applicationServerKey."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maeul.adapters.notify.registry import validate_config
from maeul.adapters.notify.webpush import VapidKey


def vapid_public_key(config: Mapping[str, Any], base_dir: Path) -> str:
    """The base64url public key of the ``webpush`` channel settings ``config`` (the key file is relative to
    ``base_dir``, the data folder); the key pair is created on first use, exactly as the channel does, so
    the key a browser subscribes with is the one its messages are signed with.

    Raises ``NotifyConfigError`` for unusable settings and ``OSError``/``ValueError`` for an unusable key file."""
    model = validate_config({"webpush": config}, where="webpush", base_dir=base_dir)["webpush"]
    return VapidKey.load_or_create(model.vapid_key_file).public_key_b64url()
