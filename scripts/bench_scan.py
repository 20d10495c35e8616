"""Benchmark of the answer-sheet reader (examsvc/scans/reader.py) on synthetic sheets made from the
real printed sheet (scripts/scan_synth.py): scans at 150, 200 and 300 dpi, sheets with ticks and
crosses instead of fills, photocopies and phone photos. OMRChecker, the open-source reader, reads the
same images with a template of the same sheet, side by side.

    .venv/bin/python scripts/bench_scan.py [--sheets 2000] [--omrchecker DIR] [--keep DIR]

Not part of the test suite. OMRChecker runs from DIR (default $OMRCHECKER_DIR, else
/work/omr-peer: a checkout of github.com/Udayraj123/OMRChecker with its own .venv); without it
only our figures are printed. Per group: bubbles right (read as their truth, unflagged), bubbles
flagged (their question goes to a person), silent errors (read wrong and not flagged, or a tick,
cross or circle not flagged), sheets needing a look, and sheets per second on one core (the read
only); "needless" counts the sheets looked at although nothing on them was made uncertain (an
erasure, a faint fill, a double mark, a tick: see scan_synth.py for how often). The last line, for
our reader over the whole set, is read by other tools: keep its shape.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import omrchecker_peer  # noqa: E402
import scan_synth as synth  # noqa: E402

from examsvc.scans.reader import SheetUnreadable, read_page  # noqa: E402

# name, dpi, how the page reaches the reader, ticks/crosses/circles a sheet, share of the set
GROUPS = [
    ("scan 150 dpi", 150, synth.scanned, 0, 0.15),
    ("scan 200 dpi", 200, synth.scanned, 0, 0.20),
    ("scan 300 dpi", 300, synth.scanned, 0, 0.15),
    ("ticks+crosses", 200, synth.scanned, 3, 0.10),
    ("photocopy", 200, synth.photocopied, 0, 0.15),
    ("phone photo", 200, synth.photographed, 0, 0.25),
]


@dataclass
class Tally:
    sheets: int = 0
    bubbles: int = 0
    right: int = 0
    flagged: int = 0
    silent: int = 0
    needing_a_look: int = 0
    needless: int = 0  # sheets looked at with nothing uncertain on them by design
    seconds: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        rate = 1 / statistics.median(self.seconds) if self.seconds else 0.0
        right, flagged = 100 * self.right / self.bubbles, 100 * self.flagged / self.bubbles
        look = 100 * self.needing_a_look / max(self.sheets, 1)
        needless = 100 * self.needless / max(self.sheets, 1)
        return (
            f"{name:<15} {self.sheets:>5} {right:>8.3f} {flagged:>8.3f} {self.silent:>7} {look:>8.1f}"
            f" {needless:>8.1f} {rate:>9.1f}"
        )


def score(tally: Tally, truth: synth.Truth, states: list[str] | None, flags: list[bool] | None) -> None:
    """states[q]: per bubble 'f', 'e' or '?'; flags[q]: the question goes to a person. None: the
    whole sheet went to a person (unreadable, or refused by the reader)."""
    tally.sheets += 1
    look = states is None or any(flags or [])
    tally.needing_a_look += look
    tally.needless += look and not truth.uncertain_by_design
    for q, bubbles in enumerate(truth.bubbles):
        for b, expected in enumerate(bubbles):
            tally.bubbles += 1
            if states is None or flags[q] or states[q][b] == "?":  # type: ignore[index]
                tally.flagged += 1
            elif expected == synth.AMBIGUOUS or (expected == synth.FILLED) != (states[q][b] == "f"):
                tally.silent += 1
            else:
                tally.right += 1


def ours(image: np.ndarray, seat: int) -> tuple[list[str] | None, list[bool] | None, float]:
    started = time.perf_counter()
    try:
        reading = read_page(image, lambda sheet: synth.ROWS)
    except SheetUnreadable:
        return None, None, time.perf_counter() - started
    took = time.perf_counter() - started
    if reading.sheet.seat != seat:  # a sheet placed on the wrong seat would be every bubble wrong
        return ["?" * len(q.states) for q in reading.questions], [False] * len(reading.questions), took
    return [q.states for q in reading.questions], [q.flagged for q in reading.questions], took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--omrchecker", default=os.environ.get("OMRCHECKER_DIR", "/work/omr-peer"))
    parser.add_argument("--keep", help="keep the generated images in this folder")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # one core: the figure is per core
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-scan-"))
    seats = 4
    print(f"printing {seats} seats' sheets at 150, 200 and 300 dpi ...", flush=True)
    printed = synth.printed_sheets(seats, (150, 200, 300))
    peer = omrchecker_peer.Peer.find(Path(args.omrchecker), synth.layout(), work / "omrchecker")
    names = ("right %", "flag %", "silent", "look %", "needless")
    header = f"{'group':<15} {'sheets':>5} " + " ".join(f"{n:>8}" for n in names) + f" {'sheets/s':>9}"
    ours_all, theirs_all, rows = Tally(), Tally(), []
    for index, (name, dpi, reach, ambiguous, share) in enumerate(GROUPS):
        count = max(1, round(args.sheets * share))
        rng = np.random.default_rng(1000 + index)
        folder = work / f"group{index}"
        folder.mkdir(parents=True, exist_ok=True)
        mine, truths = Tally(), {}
        for n in range(count):
            seat = n % seats
            marked, truth = synth.mark(printed[dpi][seat], rng, ambiguous)
            image = reach(marked, rng)
            states, flags, took = ours(image, seat + 1)
            mine.seconds.append(took)
            score(mine, truth, states, flags)
            if peer is not None:
                path = folder / f"sheet{n:05d}.png"
                cv2.imwrite(str(path), image)
                truths[path.name] = truth
        theirs = Tally()
        if peer is not None:
            readings, seconds = peer.read(folder)
            theirs.seconds = [seconds / max(count, 1)] * count
            for file_name, truth in truths.items():
                states, flags = readings.get(file_name, (None, None))
                score(theirs, truth, states, flags)
            shutil.rmtree(folder) if not args.keep else None
        rows.append((name, mine, theirs))
        for total, part in ((ours_all, mine), (theirs_all, theirs)):
            for attribute in (
                "sheets",
                "bubbles",
                "right",
                "flagged",
                "silent",
                "needing_a_look",
                "needless",
            ):
                setattr(total, attribute, getattr(total, attribute) + getattr(part, attribute))
            total.seconds += part.seconds
        print(f"  {name}: {count} sheets", flush=True)
    print("\nexamsvc reader\n" + header)
    for name, mine, _ in rows:
        print(mine.line(name))
    print(ours_all.line("all"))
    if peer is not None:
        print("\nOMRChecker (same images, template of the same sheet)\n" + header)
        for name, _, theirs in rows:
            print(theirs.line(name) if theirs.sheets else f"{name:<15} (not run)")
        print(theirs_all.line("all"))
    else:
        print(f"\nOMRChecker was not run: no checkout with its .venv at {args.omrchecker}")
    accuracy = (ours_all.right + ours_all.flagged) / ours_all.bubbles
    look = ours_all.needing_a_look / ours_all.sheets
    rate = 1 / statistics.median(ours_all.seconds)
    figures = f"bubble_accuracy={accuracy:.4f} flagged_sheets={look:.4f} sheets_per_s={rate:.1f}"
    print(f"silent_errors={ours_all.silent} {figures}")


if __name__ == "__main__":
    main()
