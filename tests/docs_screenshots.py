"""Screenshots for the guides in docs/, taken by the browser tests at the moment a page shows what
its guide describes, so the pictures never drift from the product. `scripts/screenshots.sh` sets
EXAMSVC_DOCS_SCREENSHOTS=1 to refresh them; an ordinary test run leaves docs/ alone."""

from __future__ import annotations

import os
from pathlib import Path

DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def keep_for_docs(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("EXAMSVC_DOCS_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(DOCS_SCREENSHOTS / f"{name}.png")
    )  # the viewport: a guide's picture, not a scroll
