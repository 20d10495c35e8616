"""What the sittings announce to the domains above them. Receivers run inside the same transaction
as the change (keyword arguments `session` and `actor`), so the two commit together or not at all;
a receiver refuses by raising RuleError."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

results_published = _signals.signal("results-published", doc="sender: the Sitting, just published.")
result_corrected = _signals.signal(
    "result-corrected", doc="sender: the Attempt, just corrected; also `sitting` and `reason`."
)
