"""Request JSON with its nesting bounded: Python's json module answers a deep enough document
(`[[[[…` a thousand levels, two kilobytes) with RecursionError, which `get_json(silent=True)` does
not catch, so every JSON route answered it 500. Here it is a ValueError like any malformed
document: silent readers get None, others a 400. One provider for the app, and the WSGI fast path
reads with it too (app.json)."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("the JSON document is nested too deeply") from exc
