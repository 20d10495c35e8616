"""Screenshots for the guides in docs/, taken by the browser tests at the moment a page shows what
its guide describes, so the pictures never drift from the product. `scripts/screenshots.sh` sets
EXAMSVC_DOCS_SCREENSHOTS=1 to refresh them; an ordinary test run leaves docs/ alone."""

from __future__ import annotations

import os
from pathlib import Path

DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def keep_for_docs(page, name: str, start_at: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The viewport from the top of the page, or from the element `start_at` selects."""
    if os.environ.get("EXAMSVC_DOCS_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if start_at:
        page.locator(start_at).first.evaluate("element => element.scrollIntoView()")
    else:
        page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(
        path=str(DOCS_SCREENSHOTS / f"{name}.png")
    )  # the viewport: a guide's picture, not a scroll
