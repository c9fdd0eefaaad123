"""Photos of reports and answers: checked, re-encoded without metadata (EXIF, GPS, XMP, ICC comments), stored
in the data directory under a random name.

The image is decoded and written again from its pixels, so nothing of the original file but the picture
survives: no camera, no time, no GPS position. The EXIF orientation is applied to the pixels first so the photo
still shows the right way up.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # an upload larger than this is refused
MAX_PIXELS = 40_000_000  # decompression bombs are refused before decoding
MAX_SIDE = 4096  # larger photos are scaled down to this longest side
TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class PhotoRefused(ValueError):
    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.en, self.ko = en, ko


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean(raw: bytes) -> CleanPhoto:
    """The photo re-encoded without metadata, or :class:`PhotoRefused` (size, type, broken file)."""
    if len(raw) > MAX_BYTES:
        raise PhotoRefused(
            f"the photo is larger than {MAX_BYTES // (1024 * 1024)} MB",
            f"사진은 {MAX_BYTES // (1024 * 1024)}MB를 넘을 수 없습니다",
        )
    if not raw:
        raise PhotoRefused("the photo is empty", "사진 파일이 비어 있습니다")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format or ""
                if kind not in TYPES:
                    raise PhotoRefused(
                        f"photos must be JPEG, PNG or WebP, not {kind or 'unknown'}",
                        "사진은 JPEG, PNG, WebP 형식만 받습니다",
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRefused("the photo has too many pixels", "사진의 화소 수가 너무 많습니다")
                probe.load()
                image = ImageOps.exif_transpose(probe)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise PhotoRefused("the file is not a readable image", "읽을 수 있는 사진 파일이 아닙니다") from None
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    content_type, extension = TYPES[kind]
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    pixels = image.copy()
    pixels.info = {}  # no EXIF, XMP, ICC, comments, text chunks
    out = io.BytesIO()
    if kind == "JPEG":
        pixels.save(out, "JPEG", quality=88, optimize=True)
    elif kind == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "WEBP", quality=85)
    return CleanPhoto(out.getvalue(), content_type, extension, image.width, image.height)


class PhotoStore:
    """Files under ``<data dir>/complaints/photos/<tenant>/``; names are random (not guessable)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "complaints" / "photos"

    def _path(self, tenant_id: str, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"bad photo name {name!r}")
        return self.root / tenant_id / name

    def save(self, tenant_id: str, photo: CleanPhoto) -> str:
        name = f"{secrets.token_hex(16)}.{photo.extension}"
        path = self._path(tenant_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(photo.data)
        temporary.replace(path)
        return name

    def read(self, tenant_id: str, name: str) -> bytes:
        return self._path(tenant_id, name).read_bytes()

    def delete(self, tenant_id: str, name: str) -> None:
        self._path(tenant_id, name).unlink(missing_ok=True)
