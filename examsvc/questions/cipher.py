"""Data keys of the bank, resolved from the database and unwrapped with the key files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.crypto import aead
from ..core.crypto.keyfiles import SymmetricKey
from ..core.keyring import Keyring
from . import envelope
from .models import BankDataKey, QuestionVersion


class BankCipher:
    """Seals and opens question content for one unit of work; unwrapped data keys stay in memory
    only as long as this object (a request or a command)."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring
        self._deks: dict[str, SymmetricKey] = {}
        self._active: SymmetricKey | None = None

    def _active_dek(self) -> SymmetricKey:
        if self._active is None:
            self._active = self._find_or_make_active_dek()
        return self._active

    def _find_or_make_active_dek(self) -> SymmetricKey:
        row = self.session.scalar(
            select(BankDataKey).where(BankDataKey.active.is_(True)).order_by(BankDataKey.id)
        )
        if row is None:
            dek = envelope.new_data_key()
            row = BankDataKey(key_id=dek.key_id, wrapped=envelope.wrap(self.keyring.bank_keks().current, dek))
            self.session.add(row)
            self.session.flush()
            self._deks[dek.key_id] = dek
        return self._load([row.key_id])[row.key_id]

    def _load(self, key_ids: Iterable[str]) -> Mapping[str, SymmetricKey]:
        missing = set(key_ids) - set(self._deks)
        if missing:
            keks = self.keyring.bank_keks().by_id
            for row in self.session.scalars(select(BankDataKey).where(BankDataKey.key_id.in_(missing))):
                self._deks[row.key_id] = envelope.unwrap(keks, row.key_id, row.wrapped)
        return self._deks

    def seal(self, content: Mapping[str, object], question_id: int, version: int) -> bytes:
        return envelope.seal_content(self._active_dek(), content, question_id, version)

    def seal_blob(self, payload: Mapping[str, object], aad: bytes) -> bytes:
        """Anything drawn from the bank (a paper and its key) stays sealed under the bank's keys."""
        return envelope.seal_json(self._active_dek(), payload, aad)

    def open_blob(self, sealed: bytes, aad: bytes) -> dict[str, object]:
        return envelope.open_json(self._load([aead.record_key_id(sealed)]), sealed, aad)

    def open(self, version: QuestionVersion) -> dict[str, object]:
        return self.open_many([version])[version.id]

    def open_many(self, versions: Iterable[QuestionVersion]) -> dict[int, dict[str, object]]:
        """Decrypts exactly the given versions (a paper's questions), never the rest of the bank."""
        versions = list(versions)
        deks = self._load({aead.record_key_id(v.content) for v in versions})
        return {v.id: envelope.open_content(deks, v.content, v.question_id, v.version) for v in versions}
