"""
The live wave: after one published change, N open pages poll, spread over one poll interval.

Each simulated page holds the version it was rendered at and polls `updates/?since=<version>`
once at its moment in the interval; a page answered "unchanged" (the web process had not yet
seen the change) polls again one interval later, as a browser would. The web process's own
request log (JSON, one line per request: queries, and whether the shared cache had the answer)
says what the wave cost the database and how many answers were rendered.
"""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

THREADS = 32


@dataclass
class Wave:
    readers: int
    seconds_to_last: float = 0.0  # from the change's commit to the last reader having it
    polls: int = 0
    changed_answers: int = 0
    errors: int = 0
    queries: int = 0  # database queries of every poll in the wave, from the request log
    renders: int = 0  # answers rendered rather than served from the shared cache
    statuses: dict = field(default_factory=dict)


def poll(base, path):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"HX-Request": "true"})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def run(base, poll_path, readers, interval, change, log_path):
    """
    Commit `change()` (a published change), then let `readers` pages poll `poll_path` (which
    names the version before the change) over `interval` seconds. Returns a Wave.
    """
    log_start = log_path.stat().st_size
    change()
    committed = time.monotonic()
    wave = Wave(readers)
    schedule = [(n * interval / readers, n) for n in range(readers)]
    lock = threading.Lock()
    done_at = {}

    def reader_thread(worker):
        for moment, n in schedule[worker::THREADS]:
            while True:
                delay = committed + moment - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                status = poll(base, poll_path)
                with lock:
                    wave.polls += 1
                    wave.statuses[status] = wave.statuses.get(status, 0) + 1
                if status == 200:
                    with lock:
                        wave.changed_answers += 1
                        done_at[n] = time.monotonic() - committed
                    break
                if status != 204:
                    with lock:
                        wave.errors += 1
                    break
                moment += interval  # not seen yet: the page asks again next interval

    threads = [threading.Thread(target=reader_thread, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wave.seconds_to_last = max(done_at.values(), default=float("nan"))
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
