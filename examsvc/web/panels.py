"""Pages that show several domains. The lower domain owns the page and sends a signal (blinker, as
indico's modules do); each higher domain with something to show connects a receiver in its views
module and returns its part of the template context. So a lower domain never imports a higher one."""

from __future__ import annotations

from typing import Any

from blinker import Signal


def gather(page: Signal, sender: object, **facts: Any) -> dict[str, Any]:
    """Every connected panel's context, merged; two panels naming the same key is a programming error."""
    context: dict[str, Any] = {}
    for receiver, part in page.send(sender, **facts):
        clash = context.keys() & part.keys()
        if clash:
            raise RuntimeError(f"{receiver.__qualname__} sets {sorted(clash)} again")
        context.update(part)
    return context
