"""OMRChecker (github.com/Udayraj123/OMRChecker), run as a subprocess from its own checkout and
virtualenv, on a folder of sheet images, with a template of our sheet made from the same layout
(papers/sheet_layout.py). None of its code is here: scripts/bench_scan.py only asks it to read.

Its template follows its CropOnMarkers pre-processor: the four corner markers are found by template
matching, the page is cut from marker centre to marker centre and resized to `pageDimensions`, and
each field block names its first bubble's corner and the gaps. It has no "uncertain": a choice
question read with two marks is its only signal, besides a sheet it could not process.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from examsvc.papers.sheet_layout import BUBBLE_HEIGHT, BUBBLE_WIDTH, MARKER_SIDE, ROWS_PER_BLOCK, SheetLayout

SCALE = 1.5  # template pixels per layout pixel
TRUE_FALSE = {"对": "T", "错": "F"}


@dataclass
class Peer:
    home: Path
    layout: SheetLayout
    work: Path

    @classmethod
    def find(cls, home: Path, layout: SheetLayout, work: Path) -> Peer | None:
        if not (home / "main.py").exists() or not (home / ".venv" / "bin" / "python").exists():
            return None
        if shutil.which("xvfb-run") is None:
            return None
        work.mkdir(parents=True, exist_ok=True)
        return cls(home, layout, work)

    def _to_template(self, x: float, y: float) -> tuple[float, float]:
        left, top = self.layout.markers[0]
        return (x - left) * SCALE, (y - top) * SCALE

    def template(self) -> dict:
        (left, top), (right, bottom) = self.layout.markers[0], self.layout.markers[2]
        blocks = {}
        spots = self.layout.spots
        for start in range(0, len(spots), ROWS_PER_BLOCK):
            block = spots[start : start + ROWS_PER_BLOCK]
            first = block[0].bubbles[0]
            x, y = self._to_template(first.x - BUBBLE_WIDTH / 2, first.y - BUBBLE_HEIGHT / 2)
            values = [TRUE_FALSE.get(b.mark, b.mark) for b in block[0].bubbles]
            rows_gap = (block[1].y - block[0].y) * SCALE if len(block) > 1 else 30 * SCALE
            blocks[f"block{start // ROWS_PER_BLOCK}"] = {
                "bubbleValues": values,
                "direction": "horizontal",
                "origin": [round(x), round(y)],
                "bubblesGap": self.layout.pitch * SCALE,
                "labelsGap": rows_gap,
                "fieldLabels": [f"q{block[0].number}..{block[-1].number}"]
                if len(block) > 1
                else [f"q{block[0].number}"],
            }
        return {
            "pageDimensions": [round((right - left) * SCALE), round((bottom - top) * SCALE)],
            "bubbleDimensions": [round(BUBBLE_WIDTH * SCALE), round(BUBBLE_HEIGHT * SCALE)],
            "preProcessors": [
                {
                    "name": "CropOnMarkers",
                    # Tuned for it: a scan's page is ~18.5 markers wide (with the marker's white margin),
                    # a photo shows it at 60 % or more; smaller scales matched filled bubbles instead.
                    "options": {
                        "relativePath": "marker.png",
                        "sheetToMarkerWidthRatio": 18.5,
                        "marker_rescale_range": [60, 115],
                        "marker_rescale_steps": 12,
                    },
                }
            ],
            "fieldBlocks": blocks,
        }

    def read(self, folder: Path) -> tuple[dict[str, tuple[list[str] | None, list[bool] | None]], float]:
        """{file name: (per question the bubbles' states, per question flagged)}, and the seconds taken."""
        (folder / "template.json").write_text(json.dumps(self.template(), indent=1))
        config = {
            "dimensions": {
                "processing_width": 1240,
                "processing_height": 1754,
                "display_width": 1240,
                "display_height": 1754,
            },
            "outputs": {"show_image_level": 0, "save_image_level": 0, "save_detections": False},
        }
        (folder / "config.json").write_text(json.dumps(config))
        marker = np.full((MARKER_SIDE + 16, MARKER_SIDE + 16), 255, np.uint8)
        marker[8:-8, 8:-8] = 0
        cv2.imwrite(
            str(folder / "marker.png"),
            cv2.resize(marker, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_NEAREST),
        )
        out = self.work / folder.name
        started = time.perf_counter()
        subprocess.run(
            # xvfb-run: it asks for the screen's size at import, even with every window off
            [
                "xvfb-run",
                "-a",
                str(self.home / ".venv" / "bin" / "python"),
                "main.py",
                "-i",
                str(folder),
                "-o",
                str(out),
            ],
            cwd=self.home,
            capture_output=True,
            check=False,
            timeout=3600,
        )
        seconds = time.perf_counter() - started
        return self._results(out), seconds

    def _results(self, out: Path) -> dict[str, tuple[list[str] | None, list[bool] | None]]:
        found: dict[str, tuple[list[str] | None, list[bool] | None]] = {}
        for results in out.rglob("Results_*.csv"):
            with results.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    name = Path(row.get("file_id") or row.get("input_path", "")).name
                    states, flags = [], []
                    for spot in self.layout.spots:
                        value = row.get(f"q{spot.number}", "") or ""
                        marks = [TRUE_FALSE.get(b.mark, b.mark) for b in spot.bubbles]
                        states.append("".join("f" if m in value else "e" for m in marks))
                        flags.append(spot.type != "multiple" and len(value) > 1)
                    found[name] = (states, flags)
        return found
