"""What the papers announce to the domains above them. Receivers run inside the same transaction
(keyword arguments `session` and `actor`)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

paper_generated = _signals.signal(
    "paper-generated", doc="sender: the new Paper, sealed with no release time of its own."
)
