"""The load test's client: one device with its own cookies, connection and address, sending as a
tablet's outbox does (the same idempotency key again after a dropped connection or a 5xx), and the
record of what the clients saw in a round. Used by loadtest.py and loadsat.py."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from loadkit import CSRF, PASSWORD

from examsvc.core.crypto import totp

RETRIES = 8


@dataclass
class Round:
    """What the clients saw in one round."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)  # requests that failed for good
    retries: int = 0
    server_errors: int = 0  # 5xx answers seen, also those whose retry then succeeded
    dropped: int = 0  # connections lost without an answer (a killed worker's requests)
    replays: int = 0
    sheets: dict[int, str] = field(default_factory=dict)  # enrollment id -> answers acknowledged
    keys: set[str] = field(default_factory=set)  # idempotency keys acknowledged
    tablets_done: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = 0.0
    elapsed: float = 0.0  # from everyone signed in until the last tablet is done


class Client:
    """One device: its own cookies, connection and address (X-Forwarded-For through the one proxy)."""

    def __init__(self, base: str, address: str, run: Round) -> None:
        self.base, self.run, self.token = base, run, ""
        self.etags: dict[str, str] = {}  # as a browser keeps them: a page not changed since is a 304
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies of 127.0.0.1 (an IP address)
            connector=aiohttp.TCPConnector(limit=1),
            headers={"X-Forwarded-For": address},
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def send(self, method: str, path: str, kind: str = "", **options: object) -> tuple[int, str, str]:
        """(status, body, final URL), sent again while the connection drops (a worker killed) or the
        answer is a 5xx: a tablet's outbox does the same, with the same idempotency key."""
        started = time.perf_counter()
        for attempt in range(RETRIES):
            try:
                async with self.http.request(method, self.base + path, **options) as answer:
                    status, body, url = answer.status, await answer.text(), str(answer.url)
                    if method == "GET" and "ETag" in answer.headers:
                        self.etags[path] = answer.headers["ETag"]
            except (TimeoutError, aiohttp.ClientError):
                status, body, url = 0, "", ""
                self.run.dropped += 1
            if status >= 500:
                self.run.server_errors += 1
            if 0 < status < 500:
                if kind:
                    self.run.latencies[kind].append(time.perf_counter() - started)
                return status, body, url
            self.run.retries += 1
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
        return 0, "", ""

    async def page(self, path: str, kind: str = "") -> str:
        headers = {"If-None-Match": self.etags[path]} if path in self.etags else {}
        status, text, _ = await self.send("GET", path, kind, headers=headers)
        if status not in (200, 304):
            self.run.errors.append(f"GET {path}: {status}")
        found = CSRF.search(text)
        self.token = found.group(1) if found else self.token
        return text

    async def form(self, path: str, fields: dict[str, str]) -> str:
        return (await self.send("POST", path, data={**fields, "csrf_token": self.token}))[2]

    async def sign_in(self, username: str, totp_secret: bytes | None = None) -> None:
        await self.page("/login")
        where = await self.form("/login", {"username": username, "password": PASSWORD})
        if where.rstrip("/").endswith("/login"):
            # The answer was lost (past the timeout while a thousand tablets sign in) and the resend
            # carried the old session's token: the sign-in page sends a signed-in user home.
            where = (await self.send("GET", "/login"))[2]
        if totp_secret is not None:
            for _ in range(2):  # a code is used once: a round starting in the same step waits for the next
                await self.page("/login/totp")
                where = await self.form("/login/totp", {"code": totp.code_at(totp_secret, time.time())})
                if not where.endswith("/login/totp"):
                    break
                await asyncio.sleep(30 - time.time() % 30 + 0.5)
        if where.rstrip("/").endswith("/login") or where.endswith("/login/totp"):
            raise SystemExit(f"{username} could not sign in")

    async def submit(self, kind: str, path: str, body: dict[str, object], replay: bool) -> bool:
        status, _, _ = await self.send("POST", path, kind, json=body, headers={"X-CSRFToken": self.token})
        if status != 200:
            self.run.errors.append(f"POST {path}: {status or 'no answer after retries'}")
            return False
        self.run.keys.add(str(body["idempotency_key"]))
        if replay:  # the tablet did not hear the answer and sends it again
            self.run.replays += 1
            return await self.submit("replay", path, body, replay=False)
        return True

    async def close(self) -> None:
        await self.http.close()


def pause(rng: random.Random, mean: float) -> asyncio.Future:  # type: ignore[type-arg]
    return asyncio.sleep(rng.expovariate(1 / mean) if mean > 0 else 0)
