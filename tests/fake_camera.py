"""A fake camera for Chromium: a still picture written as a Y4M video file.

Chromium started with ``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE``
gives getUserMedia the frames of FILE, in a loop, at the file's own size. The file is YUV4MPEG2,
4:2:0 (``C420``): per frame the Y plane, then the Cb and Cr planes at half width and half height,
in BT.601 studio range (Y 16-235, Cb/Cr 16-240) as browsers read camera frames.

With numpy the conversion is one vectorised step; without it, PIL's own YCbCr conversion (full
range) is scaled to studio range. Both give the same bytes to within one step of rounding.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

try:
    import numpy
except ImportError:  # numpy is no dependency of the app: pure PIL then
    numpy = None

WHITE = (255, 255, 255)


def letterboxed(image: Image.Image, width: int, height: int, resample: int = Image.Resampling.LANCZOS):
    """`image` scaled to fit width x height, centred on white; its proportions kept."""
    picture = image.convert("RGB")
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    canvas = Image.new("RGB", (width, height), WHITE)
    canvas.paste(picture.resize(size, resample), ((width - size[0]) // 2, (height - size[1]) // 2))
    return canvas


def _planes_numpy(rgb: Image.Image) -> bytes:
    pixels = numpy.asarray(rgb, dtype=numpy.float64) / 255.0
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def half(plane):  # type: ignore[no-untyped-def]
        h, w = plane.shape
        return plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    planes = (y, half(cb), half(cr))
    return b"".join(numpy.clip(numpy.rint(p), 0, 255).astype(numpy.uint8).tobytes() for p in planes)


def _planes_pil(rgb: Image.Image) -> bytes:
    y, cb, cr = rgb.convert("YCbCr").split()  # JPEG's full-range BT.601
    half = (rgb.width // 2, rgb.height // 2)
    y = y.point(lambda v: round(16 + v * 219 / 255))
    cb, cr = (p.resize(half, Image.Resampling.BOX) for p in (cb, cr))
    cb, cr = (p.point(lambda v: round(16 + v * 224 / 255)) for p in (cb, cr))
    return y.tobytes() + cb.tobytes() + cr.tobytes()


def yuv420_frame(image: Image.Image, *, use_numpy: bool | None = None) -> bytes:
    """One 4:2:0 frame (Y, Cb, Cr planes) of an RGB image with even width and height."""
    if image.width % 2 or image.height % 2:
        raise ValueError(f"4:2:0 needs an even width and height, not {image.width}x{image.height}")
    rgb = image.convert("RGB")
    if use_numpy is None:
        use_numpy = numpy is not None
    return _planes_numpy(rgb) if use_numpy else _planes_pil(rgb)


def write_y4m(
    path: Path | str,
    image: Image.Image,
    *,
    width: int = 640,
    height: int = 480,
    frames: int = 10,
    fps: int = 30,
    resample: int = Image.Resampling.LANCZOS,
) -> Path:
    """Writes `image`, letterboxed on white to width x height, as `frames` identical frames."""
    if frames < 1 or fps < 1:
        raise ValueError("a video needs at least one frame and a frame rate")
    frame = yuv420_frame(letterboxed(image, width, height, resample))
    target = Path(path)
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(frame)
    return target
