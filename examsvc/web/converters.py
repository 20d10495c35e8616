"""URL converters. Every `<int:...>` in a route is an id: at most the largest value of the
databases' integer id columns (PostgreSQL's `integer`, 2**31 - 1). A bigger number matches no route
(404), instead of reaching the driver and failing there (an overflow, a 500)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)  # type: ignore[arg-type]
