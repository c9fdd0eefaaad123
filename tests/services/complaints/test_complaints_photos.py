"""Photos (pure): EXIF (camera, time, GPS) stripped from a real JPEG made with Pillow; limits on size and type."""

from __future__ import annotations

import io

import pytest
from complaints_support import jpeg_with_exif
from PIL import Image

from maeul.services.complaints.photos import MAX_BYTES, PhotoRefused, PhotoStore, clean


def test_exif_is_stripped_from_a_real_jpeg() -> None:
    raw = jpeg_with_exif()
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif().get(0x010F) == "SecretCam"  # the test photo really has EXIF
    photo = clean(raw)
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (64, 48)
    assert b"SecretCam" not in photo.data and b"Exif" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as cleaned:
        assert dict(cleaned.getexif()) == {}
        assert "exif" not in cleaned.info


def test_orientation_is_applied_before_stripping() -> None:
    image = Image.new("RGB", (40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    photo = clean(out.getvalue())
    assert (photo.width, photo.height) == (20, 40)


def test_png_text_chunks_are_dropped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretPerson")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8)).save(out, "PNG", pnginfo=info)
    photo = clean(out.getvalue())
    assert photo.content_type == "image/png" and b"SecretPerson" not in photo.data


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (b"", "empty"),
        (b"not an image at all", "readable"),
        (b"x" * (MAX_BYTES + 1), "larger"),
    ],
)
def test_refused_files(raw: bytes, named: str) -> None:
    with pytest.raises(PhotoRefused) as refused:
        clean(raw)
    assert named in refused.value.en and refused.value.ko


def test_other_image_types_are_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(PhotoRefused, match="JPEG, PNG or WebP"):
        clean(out.getvalue())


def test_the_store_keeps_files_under_random_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = PhotoStore(tmp_path)
    photo = clean(jpeg_with_exif())
    name = store.save("nyj", photo)
    assert store.read("nyj", name) == photo.data and len(name) == 36
    with pytest.raises(ValueError):
        store.read("nyj", "../secret")
    store.delete("nyj", name)
    assert not (tmp_path / "complaints" / "photos" / "nyj" / name).exists()
