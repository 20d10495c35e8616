"""What every fuzz target module shares (tests/fuzz/atheris_targets.py runs them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    tokens: tuple[str, ...] = ()  # libFuzzer dictionary entries


def text(data: bytes) -> str:
    return data.decode("utf-8", "replace")  # any str a decoded form or file can hold
