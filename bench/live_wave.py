"""
The live wave: after one published change, N open pages poll, spread over one poll interval.

Each simulated page holds the version it was rendered at and polls `updates/?since=<version>`
once at its moment in the interval; a page answered "unchanged" (the web process had not yet
seen the change) polls again one interval later, as a browser would. The web process's own
request log (JSON, one line per request: queries, and whether the shared cache had the answer)
says what the wave cost the database and how many answers were rendered.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Wave:
    readers: int
    seconds_to_last: float = 0.0  # from just after the change's commit to the last reader
    polls: int = 0
    changed_answers: int = 0
    errors: int = 0
    queries: int = 0  # database queries of every poll in the wave, from the request log
    renders: int = 0  # answers rendered rather than served from the shared cache
    statuses: dict = field(default_factory=dict)


async def poll(host, port, path):
    """One poll on a connection of its own (gunicorn's sync workers close each after one)."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return None
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nHX-Request: true\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 60)
        await reader.read()  # to the end: the server closes the connection
        return int(status_line.split()[1])
    except (OSError, ValueError, IndexError, TimeoutError):
        return None
    finally:
        writer.close()


def run(base, poll_path, readers, interval, change, log_path):
    """
    Commit `change()` (a published change), then let `readers` pages poll `poll_path` (which
    names the version before the change) over `interval` seconds. Returns a Wave.
    """
    log_start = log_path.stat().st_size
    change()
    wave = asyncio.run(wave_of_polls(base, poll_path, readers, interval))
    time.sleep(0.5)  # let gunicorn flush the last log lines
    with log_path.open() as log:
        log.seek(log_start)
        for line in log:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") != "dashboard.requests" or "/updates/" not in entry["path"]:
                continue
            wave.queries += entry.get("queries", 0)
            wave.renders += entry.get("shared") == "miss"
    return wave


async def wave_of_polls(base, poll_path, readers, interval):
    parts = urlsplit(base)
    wave = Wave(readers)
    started = time.monotonic()
    done_at = []

    async def page(moment):
        while True:
            await asyncio.sleep(max(0, started + moment - time.monotonic()))
            status = await poll(parts.hostname, parts.port, poll_path)
            wave.polls += 1
            wave.statuses[status] = wave.statuses.get(status, 0) + 1
            if status == 200:
                wave.changed_answers += 1
                done_at.append(time.monotonic() - started)
                return
            if status != 204:
                wave.errors += 1
                return
            moment += interval  # not seen yet: the page asks again one interval later

    await asyncio.gather(*(page(n * interval / readers) for n in range(readers)))
    wave.seconds_to_last = max(done_at, default=float("nan"))
    return wave
