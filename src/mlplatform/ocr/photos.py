"""The synthetic camera: put a flat card on a textured background and photograph it.

Steps, each drawn from a seeded `numpy.random.Generator`: a procedural background texture; a
perspective warp that scales, rotates and tilts the card (with known corners); a soft shadow; a
glare spot; blur; sensor noise; JPEG compression. The homography that placed the card maps every
ground-truth box from card pixels to photo pixels, so annotations are exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import cv2
import numpy as np

PHOTO_SIZE = (640, 400)  # width, height
CORNER_NAMES = ("top_left", "top_right", "bottom_right", "bottom_left")


@dataclass(frozen=True)
class CameraConfig:
    """Ranges the camera draws from; the defaults give moderately hard, MIDV-500-like photos."""

    card_width: tuple[float, float] = (0.55, 0.9)  # fraction of the photo's width
    max_rotation: float = 20.0  # degrees, either way
    tilt: float = 0.05  # corner jitter as a fraction of the card width (perspective)
    margin: int = 8  # pixels kept free around the card
    blur_sigma: tuple[float, float] = (0.0, 1.2)
    noise_sigma: tuple[float, float] = (0.0, 8.0)
    jpeg_quality: tuple[int, int] = (45, 95)
    shadow_probability: float = 0.5
    glare_probability: float = 0.5
    exposure: float = 1.0  # gain on the light (below 1: a darker room); 1 draws nothing new


@dataclass(frozen=True)
class Photo:
    """A photographed card: the JPEG bytes and the card-to-photo homography."""

    jpeg: bytes
    size: tuple[int, int]  # width, height
    homography: np.ndarray  # 3 x 3, card pixels -> photo pixels
    corners: np.ndarray  # 4 x 2 float, card corners in photo pixels, in CORNER_NAMES order
    distortions: dict[str, float | int | str] = field(default_factory=dict)  # the camera's draws

    @cached_property
    def image(self) -> np.ndarray:
        """The photo as H x W x 3 RGB pixels, decoded from `jpeg` (on first use)."""
        decoded = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        return np.ascontiguousarray(decoded[..., ::-1])


def transform_points(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map N x 2 points through a 3 x 3 homography."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, homography).reshape(-1, 2)


def box_to_quad(box: tuple[float, float, float, float]) -> np.ndarray:
    """An axis-aligned box (x0, y0, x1, y1) as its 4 corners, clockwise from the top left."""
    x0, y0, x1, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def quad_to_bbox(quad: np.ndarray) -> tuple[float, float, float, float]:
    """The axis-aligned box (x, y, width, height) around a quadrilateral: COCO's `bbox`."""
    quad = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


@lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """A fixed field of standard-normal noise; photos take random windows of it.

    Drawing fresh normals for every pixel of every photo cost about 2 ms; a window at a random
    offset of one precomputed field is as good for sensor grain and costs nothing.
    """
    bank = np.random.default_rng(0).standard_normal((PHOTO_SIZE[1] + 240, PHOTO_SIZE[0] + 240))
    return bank.astype(np.float32)


def noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A height x width x 1 window of standard-normal noise at an offset drawn from `rng`."""
    bank = _noise_bank()
    if height > bank.shape[0] or width > bank.shape[1]:
        return rng.standard_normal((height, width, 1), dtype=np.float32)
    top = int(rng.integers(bank.shape[0] - height + 1))
    left = int(rng.integers(bank.shape[1] - width + 1))
    return bank[top : top + height, left : left + width, None]


BACKGROUND_KINDS = ("blotches", "wood", "tiles")


def background(rng: np.random.Generator, size: tuple[int, int] = PHOTO_SIZE) -> np.ndarray:
    """A procedural texture (smooth coloured blobs, wood-like grain or tiles) with fine grain.

    Drawn at half resolution and scaled up, which keeps it under a millisecond or two.
    """
    return _background(rng, size)[0]


def _background(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, str]:
    """`background` and the name of the texture kind it drew (one of BACKGROUND_KINDS)."""
    width, height = size[0] // 2, size[1] // 2
    kind = int(rng.integers(3))
    base = rng.uniform(40, 220, 3).astype(np.float32)
    if kind == 0:  # blotchy surface: low-resolution noise, upscaled
        small = rng.normal(0, 30, (height // 20 + 2, width // 20 + 2, 3)).astype(np.float32)
        texture = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    elif kind == 1:  # wood grain: noise stretched along a random direction
        small = rng.normal(0, 25, (height // 2 + 2, 6, 1)).astype(np.float32).repeat(3, axis=2)
        texture = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-30, 30), 1.3)
        texture = cv2.warpAffine(texture, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
    else:  # tiles or a checked tablecloth
        step = int(rng.integers(10, 35))
        rows = (np.arange(height) // step)[:, None]
        columns = (np.arange(width) // step)[None, :]
        checks = ((rows + columns) % 2).astype(np.float32)[..., None]
        texture = (checks - 0.5) * rng.uniform(20, 70, 3).astype(np.float32)
    fine = 6 * noise(rng, height, width)
    small_image = np.clip(base + texture + fine, 0, 255).astype(np.uint8)
    return cv2.resize(small_image, size, interpolation=cv2.INTER_LINEAR), BACKGROUND_KINDS[kind]


def _target_corners(
    rng: np.random.Generator,
    card_size: tuple[int, int],
    config: CameraConfig,
    size: tuple[int, int],
) -> tuple[np.ndarray, dict[str, float]]:
    """Where the card's four corners land: scaled, rotated, tilted, then placed inside the photo.

    Also returns the draws: `scale` (card width / photo width before any shrinking to fit),
    `rotation` (degrees as drawn; positive turns the card clockwise on screen, y down) and `tilt` (the largest
    corner jitter as a share of the card width).
    """
    width, height = size
    scale = rng.uniform(*config.card_width)
    card_w = scale * width
    card_h = card_w * card_size[1] / card_size[0]
    quad = box_to_quad((-card_w / 2, -card_h / 2, card_w / 2, card_h / 2))
    jitter = rng.normal(0, config.tilt * card_w, (4, 2)).clip(
        -2 * config.tilt * card_w, 2 * config.tilt * card_w
    )
    quad += jitter
    degrees = rng.uniform(-config.max_rotation, config.max_rotation)
    theta = np.deg2rad(degrees)
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    quad = quad @ turn.T
    span = quad.max(axis=0) - quad.min(axis=0)
    room = np.array([width, height]) - 2 * config.margin
    quad *= min(1.0, float(np.min(room / span)))  # shrink if the turned card would not fit
    low = config.margin - quad.min(axis=0)
    high = np.array([width, height]) - config.margin - quad.max(axis=0)
    draws = {
        "scale": float(scale),
        "rotation": float(degrees),
        "tilt": float(np.abs(jitter).max() / card_w),
    }
    return quad + rng.uniform(low, np.maximum(low, high)), draws


def _shade(
    image: np.ndarray, rng: np.random.Generator, config: CameraConfig
) -> tuple[np.ndarray, dict[str, float]]:
    """Multiply by a soft shadow (a darker half-plane) and add a glare spot, each sometimes.

    Also returns the draws: `shadow` (the darkening, 0 without a shadow) and `glare` (the spot's
    peak brightness added, 0 without glare).
    """
    height, width = image.shape[:2]
    small = (width // 8, height // 8)
    yy, xx = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    gain = np.ones(small[::-1], np.float32)
    draws = {"shadow": 0.0, "glare": 0.0}
    if rng.random() < config.shadow_probability:
        angle = rng.uniform(0, 2 * np.pi)
        offset = rng.uniform(-0.3, 0.3) * small[0]
        side = (xx - small[0] / 2) * np.cos(angle) + (yy - small[1] / 2) * np.sin(angle) - offset
        draws["shadow"] = float(rng.uniform(0.25, 0.55))
        gain *= 1 - draws["shadow"] / (1 + np.exp(-side / rng.uniform(1, 5)))
    glare = np.zeros_like(gain)
    if rng.random() < config.glare_probability:  # a bright spot, added after the shadow
        cx, cy = rng.uniform(0.2, 0.8) * small[0], rng.uniform(0.2, 0.8) * small[1]
        radius = rng.uniform(0.04, 0.15) * small[0]
        draws["glare"] = float(rng.uniform(40, 110))
        glare = draws["glare"] * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
    shaded = image * cv2.resize(gain, (width, height))[..., None]
    if glare.any():
        shaded += cv2.resize(glare, (width, height))[..., None]
    return shaded, draws  # not clipped yet: `photograph` clips once, after the noise


def photograph(
    card: np.ndarray,
    rng: np.random.Generator,
    config: CameraConfig | None = None,
    size: tuple[int, int] = PHOTO_SIZE,
) -> Photo:
    """Photograph a flat RGB card; the same `rng` state gives the same bytes.

    The returned `Photo.distortions` records what was drawn: `scale`, `rotation`, `tilt`,
    `background`, `shadow`, `glare`, `blur` (Gaussian sigma, 0 when too small to apply), `noise`
    (sigma of the grain) and `jpeg_quality`.
    """
    config = config or CameraConfig()
    card_h, card_w = card.shape[:2]
    corners, draws = _target_corners(rng, (card_w, card_h), config, size)
    source = box_to_quad((0, 0, card_w, card_h)).astype(np.float32)
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    image, draws["background"] = _background(rng, size)
    cv2.warpPerspective(
        card, homography, size, dst=image, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT
    )
    shaded, shading = _shade(image.astype(np.float32), rng, config)
    if config.exposure != 1.0:
        shaded *= np.float32(config.exposure)
    sigma = rng.uniform(*config.blur_sigma)
    if sigma > 0.3:
        shaded = cv2.GaussianBlur(shaded, (0, 0), sigma)
    grain = noise(rng, *shaded.shape[:2])  # luminance noise, the same in all three channels
    noise_sigma = rng.uniform(*config.noise_sigma)
    shaded += np.float32(noise_sigma) * grain
    pixels = np.clip(shaded, 0, 255).astype(np.uint8)
    quality = int(rng.integers(config.jpeg_quality[0], config.jpeg_quality[1] + 1))
    ok, encoded = cv2.imencode(".jpg", pixels[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not encode the photo as JPEG.")
    draws.update(shading, blur=float(sigma) if sigma > 0.3 else 0.0, noise=float(noise_sigma))
    draws["jpeg_quality"] = quality
    return Photo(encoded.tobytes(), size, homography, corners, draws)


def rectify(image: np.ndarray, quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Cut the quadrilateral `quad` (clockwise from its top left) out of `image` as a flat crop.

    `size` is the crop's (width, height). This is what a reader gets from a detector's corners or
    a field box.
    """
    target = box_to_quad((0, 0, size[0], size[1])).astype(np.float32)
    warp = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), target)
    return cv2.warpPerspective(image, warp, size, flags=cv2.INTER_LINEAR)
