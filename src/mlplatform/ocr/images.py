"""Read and decode photos: one clear error for a file or an upload that is not an image.

`load_image` and `decode_image` read the data set's own files (OpenCV). `decode_checked` is for
bytes from outside (a service upload, a folder of photos from anywhere): Pillow reads the header
first, so the format and the pixel count are checked before a single pixel is decoded, and a
truncated file is refused instead of being returned half grey. Both give the same RGB pixels for
the same JPEG (checked on the data set), and both apply the EXIF orientation.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# What a camera or a scanner produces; other formats Pillow could open (EPS runs Ghostscript,
# TIFF and ICO have had parser bugs) are not worth the risk in a service.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MIN_IMAGE_SIDE = 32  # pixels: no card can be read in less


class InvalidImageError(ValueError):
    """A file that should be an image is missing, empty or not an image."""


class ImageTooLargeError(InvalidImageError):
    """An image whose width x height is over the pixel limit (refused before decoding)."""


def load_image(path: Path | str) -> np.ndarray:
    """Read an image file as an H x W x 3 RGB uint8 array.

    Raises:
        InvalidImageError: the file is missing, empty, or not an image OpenCV can decode; the
            message names the file and says what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidImageError(f"{path} does not exist; check the path or regenerate the set.")
    data = path.read_bytes()
    if not data:
        raise InvalidImageError(f"{path} is empty (0 bytes): re-copy or regenerate it.")
    return decode_image(data, str(path))


def decode_image(data: bytes, name: str = "the upload") -> np.ndarray:
    """Decode image bytes (JPEG, PNG, ...) to RGB; raises `InvalidImageError` if they are not one."""
    if not data:
        raise InvalidImageError(f"{name} is empty (0 bytes): send a JPEG or PNG image.")
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise InvalidImageError(
            f"{name} is not an image OpenCV can decode ({len(data)} bytes starting "
            f"{data[:8]!r}); expected a JPEG or PNG file."
        )
    return np.ascontiguousarray(pixels[..., ::-1])


def _open_header(data: bytes, name: str) -> Image.Image:
    """Pillow's lazy image (header read, no pixels decoded) of an accepted format."""
    with warnings.catch_warnings():  # Pillow's bomb warning: we check the size ourselves
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except Image.DecompressionBombError as error:
            raise ImageTooLargeError(f"{name} is far too large to decode: {error}") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            # Pillow's "cannot identify" message names a memory address; keep only its own words.
            why = "" if isinstance(error, UnidentifiedImageError) else f": {error}"
            raise InvalidImageError(
                f"{name} is not a JPEG, PNG or WebP image ({len(data)} bytes starting "
                f"{data[:8]!r}){why}"
            ) from None


def _check_size(image: Image.Image, name: str, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name} is {width} x {height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (MLPLATFORM_MAX_IMAGE_PIXELS): send a smaller photo."
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidImageError(
            f"{name} is {width} x {height} pixels: too small to hold a readable card (each side "
            f"needs at least {MIN_IMAGE_SIDE})."
        )


def decode_checked(data: bytes, max_pixels: int, name: str = "the upload") -> np.ndarray:
    """Decode untrusted image bytes to H x W x 3 RGB uint8, refusing what should not be decoded.

    Raises:
        ImageTooLargeError: width x height is over `max_pixels` (found from the header alone).
        InvalidImageError: empty, not a JPEG/PNG/WebP, truncated or corrupt, or under
            `MIN_IMAGE_SIDE` pixels on a side; the message says which.
    """
    if not data:
        raise InvalidImageError(f"{name} is empty (0 bytes): send a JPEG or PNG image.")
    image = _open_header(data, name)
    _check_size(image, name, max_pixels)
    try:
        image.load()  # Pillow refuses a truncated file here (LOAD_TRUNCATED_IMAGES is off)
        upright = ImageOps.exif_transpose(image)
        pixels = np.asarray(upright.convert("RGB"))
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidImageError(
            f"{name} is a damaged or truncated {image.format} file ({error}): send the whole file."
        ) from None
    return np.ascontiguousarray(pixels)
