"""Saturation: the most the server answers on the same workers, signed-in tablets sending as fast
as answers come, first to a bare endpoint (the baseline), then the tablet mix. Used by loadtest.py
(`--saturate S`)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time

from loadclient import Client, Round
from loadkit import Job, World, quantiles_ms

BARE = "/proctor/sittings/sw.js"  # public, no database: the Flask stack alone (the service worker's code)


async def saturate(base: str, world: World, args, round_no: int) -> tuple[Round, Round, float, float]:  # type: ignore[no-untyped-def]
    """The most the server answers: signed-in tablets sending as fast as answers come, first to the
    bare endpoint, then the tablet mix; (bare, mix, bare seconds, mix seconds)."""
    bare, mix = Round(), Round()
    names = list(world.work)[: args.saturate_clients]
    clients = [Client(base, f"10.{round_no}.9.{i % 250 + 1}", mix) for i in range(len(names))]
    try:
        await asyncio.gather(*(c.sign_in(name) for c, name in zip(clients, names, strict=True)))
        for c in clients:
            c.run = bare
        bare_s = await _flat_out(clients, args.saturate, lambda c, _name: _bare_loop(c))
        for c in clients:
            c.run = mix
        mix_s = await _flat_out(clients, args.saturate, lambda c, name: _mix_loop(c, world.work[name]), names)
    finally:
        for c in clients:
            await c.close()
    return bare, mix, bare_s, mix_s


async def _flat_out(clients: list[Client], seconds: float, loop, names: list[str] | None = None) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    until = started + seconds
    names = names or [""] * len(clients)
    await asyncio.gather(*(_until(until, loop(c, name)) for c, name in zip(clients, names, strict=True)))
    return time.perf_counter() - started


async def _until(until: float, steps) -> None:  # type: ignore[no-untyped-def]
    async for _ in steps:
        if time.perf_counter() >= until:
            break


async def _bare_loop(client: Client):  # type: ignore[no-untyped-def]
    while True:
        status, _, _ = await client.send("GET", BARE, "bare endpoint")
        if status != 200:
            client.run.errors.append(f"GET {BARE}: {status}")
        yield


async def _mix_loop(client: Client, jobs: list[Job]):  # type: ignore[no-untyped-def]
    """A sitting page, a check-in and a sheet save in turn, over the tablet's candidates again and
    again; each entry names the version the previous answer gave (none is refused as stale)."""
    versions: dict[int, int] = {}
    sitting_page = jobs[0].path.split("/candidates/")[0]
    for n in range(10**9):
        job = jobs[n % len(jobs)]
        await client.page(sitting_page, kind="sitting page")
        yield
        for kind, suffix, fields in (
            ("check-in", "check-in", {"presence": "present", "seat_no": job.seat}),
            ("sheet", "result", {"answers": job.sheet}),
        ):
            body = {
                **fields,
                "version": versions.get(job.enrollment_id, 0),
                "idempotency_key": secrets.token_hex(16),
            }
            status, text, _ = await client.send(
                "POST", f"{job.path}/{suffix}", kind, json=body, headers={"X-CSRFToken": client.token}
            )
            if status == 200:
                versions[job.enrollment_id] = json.loads(text)["version"]
            else:
                client.run.errors.append(f"POST {job.path}/{suffix}: {status} {text[:120]}")
            yield


def report_saturation(
    workers: int, bare: Round, mix: Round, bare_s: float, mix_s: float, clients: int
) -> int:
    """Prints the two rates side by side; the number of failed requests."""
    print(f"  saturation: {clients} signed-in tablets as fast as answered, same {workers} workers")
    print(f"  {'request':<14}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for run, kinds, seconds in (
        (bare, ("bare endpoint",), bare_s),
        (mix, ("sitting page", "check-in", "sheet"), mix_s),
    ):
        for kind in kinds:
            values = run.latencies.get(kind) or []
            if len(values) >= 2:
                q = quantiles_ms(values)
                rate = len(values) / seconds
                print(f"  {kind:<14}{len(values):>7}{rate:8.1f}{q[49]:>9.0f}{q[94]:>9.0f}{q[98]:>9.0f}")
    rate_bare = sum(map(len, bare.latencies.values())) / bare_s
    rate_mix = sum(map(len, mix.latencies.values())) / mix_s
    errors = bare.errors + mix.errors
    print(
        f"  saturation: tablet mix {rate_mix:.1f} requests/s beside bare endpoint {rate_bare:.1f}/s "
        f"({100 * rate_mix / rate_bare:.0f} %); errors {len(errors)}",
        *errors[:5],
        sep="\n    " if errors else "",
    )
    return len(errors)
