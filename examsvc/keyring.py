"""The app's keys, loaded once from the key directory at start-up.

Development creates missing keys on first start; production refuses to start without them
(`examsvc keys init` creates them), so a misconfigured key directory never silently makes
fresh keys that cannot read yesterday's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .crypto.keyfiles import SymmetricKey, create_key, ensure_key_dir, load_key

KEY_NAMES = ("personal_data",)


@dataclass(frozen=True)
class Keyring:
    personal_data: SymmetricKey

    def personal_data_keys(self) -> dict[str, SymmetricKey]:
        return {self.personal_data.key_id: self.personal_data}


def init_keys(key_dir: Path) -> list[str]:
    """Create the key files that are missing; returns the names created."""
    ensure_key_dir(key_dir)
    created = []
    for name in KEY_NAMES:
        if not (key_dir / f"{name}.key").exists():
            create_key(key_dir, name)
            created.append(name)
    return created


def load_keyring(key_dir: Path, create_missing: bool) -> Keyring:
    if create_missing:
        init_keys(key_dir)
    return Keyring(personal_data=load_key(key_dir, "personal_data"))
