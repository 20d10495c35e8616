"""Stand-in roster photos for the demo: a drawn head and shoulders, a different look per person.
No real face is ever shipped; these only let the proctor's side-by-side view be tried."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

SKIN = [(241, 204, 178), (224, 182, 150), (198, 152, 118), (168, 122, 90)]
HAIR = [(30, 24, 20), (58, 40, 28), (90, 70, 50), (120, 120, 120)]
SHIRT = [(40, 70, 120), (110, 40, 40), (50, 100, 60), (80, 80, 80), (200, 200, 210)]


def portrait(seed: str) -> bytes:
    """A 240 x 320 JPEG, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - a look, not a secret
    image = Image.new("RGB", (240, 320), (rng.randint(200, 235), rng.randint(215, 240), 245))
    draw = ImageDraw.Draw(image)
    skin, hair, shirt = rng.choice(SKIN), rng.choice(HAIR), rng.choice(SHIRT)
    draw.ellipse((20, 230, 220, 420), fill=shirt)  # shoulders
    draw.rectangle((100, 190, 140, 240), fill=skin)  # neck
    width = rng.randint(44, 54)
    draw.ellipse((120 - width, 70, 120 + width, 210), fill=skin)  # face
    draw.chord((120 - width - 4, 56, 120 + width + 4, 160), 180, 360, fill=hair)  # hair
    eye_y = rng.randint(128, 136)
    for x in (100, 140):
        draw.ellipse((x - 5, eye_y - 4, x + 5, eye_y + 4), fill=(40, 30, 30))
    draw.arc((102, 160, 138, 186), 20, 160, fill=(150, 70, 70), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
