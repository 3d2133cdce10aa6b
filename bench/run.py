"""
Measure the public site at newsroom scale and print one table (see bench/README.md).

Run through `make bench`, which provides a throwaway PostgreSQL server in DATABASE_URL.
"""

import atexit
import contextlib
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# In-process requests come from Django's test client; the request log would drown the table.
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings, in this process as in gunicorn's (static files from RESULTS / "static").
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnop",
    "SECURE_SSL_REDIRECT": "false",
    "STATIC_ROOT": str(ROOT / "bench" / "results" / "static"),
}
for name, value in PRODUCTION.items():
    os.environ.setdefault(name, value)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(name, command):
    """Run `command(port)` on a free loopback port; return the process and the port once it
    accepts connections."""
    port = free_port()
    server = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(server.terminate)  # gone with the bench however it ends, a failed check too
    for _ in range(50):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.1)
    raise SystemExit(f"{name} did not start")


def start_redis():
    """A Redis of the benchmark's own, shared by this process and gunicorn's workers, as the
    compose redis service is shared by web containers (shared answers, sessions)."""
    server, port = start_server(
        "redis-server",
        lambda port: ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
    )
    return server, f"redis://127.0.0.1:{port}/0"


REDIS, os.environ["REDIS_URL"] = start_redis()


def start_smtp():
    """An SMTP server that accepts and discards every message (aiosmtpd's Sink), in a process
    of its own, as a mail relay would be: the digest run is timed up to the relay's acceptance."""
    server, port = start_server(
        "the SMTP server",
        lambda port: (
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
            + ["-l", f"127.0.0.1:{port}"]
        ),
    )
    return server, f"smtp://127.0.0.1:{port}"


SMTP, os.environ["EMAIL_URL"] = start_smtp()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts.models import Follow, Follower  # noqa: E402
from bench import live_wave  # noqa: E402
from dashboard.middleware import QueryCounter  # noqa: E402
from dashboard.reading import forget_versions  # noqa: E402
from stories.models import Statement, Status, Story  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
SIZES = {
    "1k": {"statements": 1_000, "events": 50, "stakeholders": 200, "points": 500},
    "100k": {"statements": 100_000, "events": 5_000, "stakeholders": 200, "points": 500},
}
if QUICK:
    SIZES["100k"] = {"statements": 10_000, "events": 500, "stakeholders": 200, "points": 500}
RUNS = 5 if QUICK else 15
# Open pages polling after one published change (the live wave), over one poll interval.
WAVE_READERS = [100, 1_000] if QUICK else [100, 10_000]
POLL_SECONDS = 10
WRK_SECONDS = 3 if QUICK else 10
DEEP_PAGES = 5 if QUICK else 25
RESULTS = ROOT / "bench" / "results"
GUNICORN_LOG = RESULTS / "gunicorn.log"
WEB_WORKERS = 2


def clear_caches():
    """Empty the shared cache and this process's own (a render from scratch)."""
    for each in caches.all():
        each.clear()


DIGEST_FOLLOWERS = [1_000, 10_000]
DIGEST_CHANGES = 50


def slug(size):
    return f"synthetic-bench-{size}"


def older_link(html):
    """The plain "older items" link of a timeline page, if any."""
    match = re.search(r'<a[^>]*rel="next"[^>]*href="([^"]+)"', html) or re.search(
        r'<a[^>]*href="([^"]+)"[^>]*rel="next"', html
    )
    return match.group(1).replace("&amp;", "&") if match else None


def probes(story):
    """Each public view to measure: a name, a path and request headers."""
    base = story.get_absolute_url()
    client = Client()
    deep = base
    for _ in range(DEEP_PAGES):
        html = client.get(deep, headers={"HX-Request": "true"}).content.decode()
        next_path = older_link(html)
        if not next_path:
            break
        deep = next_path if next_path.startswith("/") else base + next_path
    speaker = story.statements.values_list("speaker__slug", flat=True).first()
    statement = story.statements.published().order_by("-said_on").values_list("pk", flat=True)[500]
    version = Story.objects.get(pk=story.pk).published_version
    htmx = {"HX-Request": "true"}
    # (name, path, headers, whether each request starts with an empty cache)
    return [
        ("dashboard page", base, {}, False),
        ("dashboard page, rendered", base, {}, True),
        ("timeline fragment", base, htmx, False),
        ("timeline fragment, rendered", base, htmx, True),
        ("filtered fragment", f"{base}?who={speaker}", htmx, False),
        ("deep cursor fragment", deep, htmx, False),
        ("search fragment", f"{base}?q=factory+workforce", htmx, False),
        ("stakeholder page", f"{base}people/{speaker}/", {}, False),
        ("stakeholder page, rendered", f"{base}people/{speaker}/", {}, True),
        ("statement permalink", f"{base}statements/{statement}/", {}, False),
        ("figure page", f"{base}figures/synthetic-series-1/", {}, False),
        ("figure page, rendered", f"{base}figures/synthetic-series-1/", {}, True),
        ("people filter", f"{base}filter/people/", htmx, False),
        ("people filter, rendered", f"{base}filter/people/", htmx, True),
        ("poll, unchanged", f"{base}updates/?since={version}", htmx, False),
    ]


def server_times(client, requests):
    """
    For each (path, headers, fresh) of `requests`: the median wall time of the request handled
    in-process (ms), its query count and its status. The requests take turns, one of each per
    run, so a machine that slows down for a moment moves them all alike.
    """
    for path, headers, _ in requests:
        for _ in range(2):
            client.get(path, headers=headers)
    times = [[] for _ in requests]
    for _ in range(RUNS):
        for each, (path, headers, fresh) in zip(times, requests, strict=True):
            if fresh:
                clear_caches()
            started = time.perf_counter()
            client.get(path, headers=headers)
            each.append((time.perf_counter() - started) * 1000)
    results = []
    for each, (path, headers, fresh) in zip(times, requests, strict=True):
        # The count is the request's own queries. This process reads a story's version at most
        # once a second (dashboard.reading.current_version), not once a request: one more
        # request now renews it, so whether the counted one reads it does not hang on how long
        # the runs took.
        client.get(path, headers=headers)
        if fresh:
            clear_caches()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        results.append((statistics.median(each), len(queries), response.status_code))
    return results


def publish_changes(story, count):
    """`count` changes readers see, as editors make them: new statements and events, and
    statements corrected with a note, each saved on its own (one change-log line each)."""
    statements = list(Statement.objects.published().filter(story=story).order_by("-pk")[:count])
    event = story.events.published().first()
    for n in range(count):
        if n % 10 == 8:
            corrected = statements[n]
            corrected.quote = f"Synthetic correction {n}: " + corrected.quote
            corrected.corrected_at = timezone.now()
            corrected.correction_note = f"Synthetic correction note {n}."
            corrected.save()
        elif n % 10 == 9:
            event.pk = None
            event._state.adding = True
            event.title = f"Synthetic event {n}"
            event.save()
        else:
            model = statements[n]
            model.pk = None
            model._state.adding = True
            model.quote = f"Synthetic new quote {n}: the factory workforce talks go on."
            model.status = Status.PUBLISHED
            model.save()


def digest_run(story, followers):
    """Digests for `followers` readers of `story` after DIGEST_CHANGES published changes: the
    run's time and queries, through the management command (a progress bar on a terminal)."""
    Follower.objects.filter(email__endswith="@bench.example").delete()
    version = Story.objects.filter(pk=story.pk).values_list("published_version", flat=True).get()
    now = timezone.now()
    readers = Follower.objects.bulk_create(
        [Follower(email=f"reader{n}@bench.example") for n in range(followers)], batch_size=5_000
    )
    Follow.objects.bulk_create(
        [
            Follow(follower=reader, story=story, confirmed_at=now, sent_version=version)
            for reader in readers
        ],
        batch_size=5_000,
    )
    publish_changes(story, DIGEST_CHANGES)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        call_command("send_digests", stdout=sys.stdout)
        seconds = time.perf_counter() - started
    sent = Follower.objects.filter(
        email__endswith="@bench.example", last_sent_at__isnull=False
    ).count()
    with CaptureQueriesContext(connection) as again:
        call_command("send_digests", stdout=open(os.devnull, "w"))  # noqa: SIM115
    batches = -(-followers // settings.DIGEST_BATCH_SIZE)
    return {
        "followers": followers,
        "changes": DIGEST_CHANGES,
        "sent": sent,
        "seconds": seconds,
        "ms_per_follower": seconds * 1000 / followers,
        "queries": len(queries),
        "batches": batches,
        "queries_per_batch": len(queries) / batches,
        "second_run_queries": len(again),
    }


def figure_costs(story):
    """What building one 500-point chart costs (ms): as plain dicts, as the site does; and what
    plotly.py's validating objects and their JSON would add, as the site did before."""
    import plotly.graph_objects as go

    from dashboard import charts
    from stories.models import figures_by_date

    chart = charts.chart_for_series(story, "synthetic-series-1")

    def median_ms(work, runs=5):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    plain = charts.figure(chart.series, chart.dates, chart.on_axis)
    as_objects = {"data": plain["data"], "layout": plain["layout"]}
    return {
        "points": len(chart.points),
        "plain dicts (the site), from the points": median_ms(
            lambda: charts.figure(chart.series, figures_by_date(chart.points), chart.on_axis)
        ),
        "plotly.py validating objects": median_ms(lambda: go.Figure(as_objects)),
        "plotly.py objects to JSON": median_ms(lambda: go.Figure(as_objects).to_json()),
        "json.dumps of the dict": median_ms(lambda: json.dumps(plain)),
    }


FIRST_RENDER = """
import time
from wsgiref.util import setup_testing_defaults

from django.db import connection

from dashboard.middleware import QueryCounter
from dashboard.wsgi import application  # as a gunicorn worker loads it: set up and warmed up

environ = {"PATH_INFO": "/stories/hitachi-newton-aycliffe/", "HTTP_HOST": "127.0.0.1"}
setup_testing_defaults(environ)
statuses, queries = [], QueryCounter()
started = time.perf_counter()
with connection.execute_wrapper(queries):
    body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
elapsed = (time.perf_counter() - started) * 1000
assert statuses == ["200 OK"] and body, statuses
print(elapsed, queries.count)
"""


FIRST_RENDERS = 5


def real_story_first_render():
    """
    The Hitachi story's page, the first request a freshly started process serves (ms): the
    median of FIRST_RENDERS processes, each started afresh (one first request is one sample).
    Each must make the queries a render from empty caches makes here: a first render read from
    anything the process kept while it warmed up would not count.
    """
    call_command("load_story", "hitachi-newton-aycliffe", verbosity=0)
    clear_caches()
    forget_versions()
    scratch = QueryCounter()  # as FIRST_RENDER counts (BEGIN and COMMIT are not queries there)
    with connection.execute_wrapper(scratch):
        Client().get("/stories/hitachi-newton-aycliffe/")
    from_scratch = scratch.count
    env = {**os.environ, "REDIS_URL": ""}  # a process's first render: nothing cached yet
    times = []
    for _ in range(FIRST_RENDERS):
        output = subprocess.run(
            [sys.executable, "-c", FIRST_RENDER],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        elapsed, queries = output.strip().splitlines()[-1].split()
        assert int(queries) == from_scratch, (
            f"the first render made {queries} queries, a render from scratch {from_scratch}"
        )
        times.append(float(elapsed))
    return statistics.median(times)


def start_gunicorn():
    port = free_port()
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WEB_WORKERS),
        # The request log (one JSON line a request, with its queries) measures the live wave.
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    log = GUNICORN_LOG.open("w")
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "web")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def wrk(url, path, headers):
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["wrk", "-t2", "-c8", "--timeout", "10s", f"-d{WRK_SECONDS}s", *header_args, url + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return (
        rate,
        int(errors.group(1)) if errors else 0,
        socket_errors.group(1) if socket_errors else "",
    )


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        header_bytes = sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders())
        return response.status, body, response.headers, header_bytes


def download_sizes(url, path):
    """Compressed bytes of the dashboard HTML and every script (plotly.js included, loaded when
    a chart comes into view) and stylesheet it references."""
    _, body, headers, _ = fetch(url + path)
    html = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
    sizes = {
        "html": len(body)
        if headers.get("Content-Encoding") == "gzip"
        else len(gzip.compress(body)),
        "html_raw": len(html),
    }
    html = html.decode()
    blocking = []
    for tag in re.findall(r"<script[^>]*src=\"[^\"]+\"[^>]*>", html):
        src = re.search(r'src="([^"]+)"', tag).group(1)
        _, script, script_headers, _ = fetch(url + src)
        gzipped = script_headers.get("Content-Encoding") == "gzip"
        sizes[src] = len(script) if gzipped else len(gzip.compress(script))
        if "defer" not in tag and "async" not in tag and 'type="module"' not in tag:
            blocking.append(src)
        # plotly.js, which charts.js loads when a chart comes into view.
        later = re.search(r'data-plotly="([^"]+)"', tag)
        if later:
            _, script, script_headers, _ = fetch(url + later.group(1))
            gzipped = script_headers.get("Content-Encoding") == "gzip"
            sizes[later.group(1)] = len(script) if gzipped else len(gzip.compress(script))
    for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
        _, sheet, sheet_headers, _ = fetch(url + href)
        gzipped = sheet_headers.get("Content-Encoding") == "gzip"
        sizes[href] = len(sheet) if gzipped else len(gzip.compress(sheet))
    return sizes, blocking


# Notes, on the browser's own clock (ms from the start of navigation), the first frame after
# the timeline's first item is in the page, and the first frame after a chart is drawn in it.
# The timeline is visible at its frame, or at the first paint when it was in the page before
# then (the first frames wait for the stylesheets). A script asking Playwright whether either is
# there waits for the page's main thread, which may by then be busy compiling plotly.js.
SHOWN_AT = """
const shownAt = (selector, name) => new MutationObserver((records, observer) => {
  if (document.querySelector(selector)) {
    observer.disconnect();
    requestAnimationFrame((frame) => { window[name] = frame; });
  }
}).observe(document, {childList: true, subtree: true});
shownAt("#timeline article.item", "timelineFrame");
shownAt(".main-svg", "chartFrame");
"""

# Readers measured at each size, each with an empty cache; their median is reported.
BROWSER_READERS = 3


def read_as_a_new_reader(browser, url):
    """One reader's times (ms), in a context of its own: an empty cache, as for a first visit."""
    page = browser.new_context().new_page()
    page.add_init_script(SHOWN_AT)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#timeline article.item")
    seen_by_script_ms = (time.perf_counter() - started) * 1000
    frame, paint = page.wait_for_function(
        """() => window.timelineFrame && performance.getEntriesByName(
            "first-contentful-paint").length && [window.timelineFrame,
            performance.getEntriesByName("first-contentful-paint")[0].startTime]"""
    ).json_value()
    # The first screen is the summary, the latest items and the key figures; a chart below it
    # is fetched and drawn when it comes into view. This reader scrolls to the first chart as
    # soon as the timeline shows (in one step: htmx may be swapping the chart block in).
    below_first_screen = page.evaluate(
        """() => {
          const chart = document.querySelector("section.chart");
          const below = chart.getBoundingClientRect().top > window.innerHeight;
          chart.scrollIntoView();
          return below;
        }"""
    )
    page.wait_for_selector(".main-svg", timeout=30_000)
    chart_seen_by_script_ms = (time.perf_counter() - started) * 1000
    chart_frame = page.wait_for_function("() => window.chartFrame").json_value()
    page.context.close()
    return {
        "timeline_ms": max(frame, paint),
        "timeline_seen_by_script_ms": seen_by_script_ms,
        "chart_ms": chart_frame,
        "chart_seen_by_script_ms": chart_seen_by_script_ms,
        "first_paint_ms": paint,
        "chart_below_first_screen": below_first_screen,
    }


def browser_times(url, paths):
    from playwright.sync_api import sync_playwright

    times = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # Start Chromium's own machinery once (its HTML parser, styles and scripts: a page of
        # the site with its CSS and JavaScript, not a text file), so the first size measured is
        # not charged for it.
        warm_up = browser.new_page()
        warm_up.goto(url + "/")
        warm_up.close()
        readers = {size: [] for size in paths}
        # The sizes in turn, so a machine that slows down for a while moves both alike.
        for _ in range(BROWSER_READERS):
            for size, path in paths.items():
                readers[size].append(read_as_a_new_reader(browser, url + path))
        browser.close()
    for size, each in readers.items():
        times[size] = {
            key: statistics.median(reader[key] for reader in each)
            for key in each[0]
            if key != "chart_below_first_screen"
        }
        times[size]["chart_below_first_screen"] = all(r["chart_below_first_screen"] for r in each)
    return times


def main():
    RESULTS.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    clear_caches()
    stories = {}
    for size, counts in SIZES.items():
        print(f"Generating {slug(size)} …", flush=True)
        with open(os.devnull, "w") as quiet:
            call_command("generate_story", slug(size), **counts, stdout=quiet)
        stories[size] = Story.objects.get(slug=slug(size))
    # As PostgreSQL advises after a bulk load: clean up and count the new rows now, so neither
    # the planner's statistics nor a run of autovacuum changes under the measurements.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    client = Client()
    rows = {}
    # Each view at both sizes, a request at one then a request at the other: a machine that
    # slows down for a while (a shared one does) moves both figures of a ratio alike.
    by_size = {size: probes(story) for size, story in stories.items()}
    for at_each_size in zip(*by_size.values(), strict=True):
        measured = server_times(client, [probe[1:] for probe in at_each_size])
        for size, (name, *_), (ms, queries, status) in zip(
            by_size, at_each_size, measured, strict=True
        ):
            rows.setdefault(name, {})[size] = {"ms": ms, "queries": queries, "status": status}

    digests = []
    for followers in DIGEST_FOLLOWERS:
        print(f"Digests for {followers:,} followers of {slug('100k')} …", flush=True)
        digests.append(digest_run(stories["100k"], followers))
    SMTP.terminate()

    first = real_story_first_render()
    building = figure_costs(stories["100k"])
    # Gunicorn's workers start with nothing cached, as after a deploy.
    clear_caches()
    server, url = start_gunicorn()
    try:
        story = stories["100k"]
        base = story.get_absolute_url()
        waves, before = [], None
        for readers in WAVE_READERS:
            before = Story.objects.get(pk=story.pk).published_version
            waves.append(
                live_wave.run(
                    url,
                    f"{base}updates/?since={before}",
                    readers,
                    POLL_SECONDS,
                    lambda: publish_a_change(story),
                    GUNICORN_LOG,
                )
            )
        version = Story.objects.get(pk=story.pk).published_version
        trivial, trivial_errors, _ = wrk(url, "/robots.txt", {})
        throughput = {"trivial (/robots.txt)": (trivial, trivial_errors)}
        for name, path, headers in [
            ("dashboard page", base, {}),
            ("timeline fragment", base, {"HX-Request": "true"}),
            ("poll, unchanged", f"{base}updates/?since={version}", {"HX-Request": "true"}),
            ("poll, changed", f"{base}updates/?since={before}", {"HX-Request": "true"}),
        ]:
            rate, errors, socket_errors = wrk(url, path, headers)
            throughput[name] = (rate, errors)
            if socket_errors:
                print(f"wrk socket errors on {name}: {socket_errors}")
        sizes, blocking = download_sizes(url, base)
        status, body, _, header_bytes = fetch(
            f"{url}{base}updates/?since={version}", {"HX-Request": "true"}
        )
        poll = {"status": status, "body_bytes": len(body), "header_bytes": header_bytes}
        browser = browser_times(url, {size: s.get_absolute_url() for size, s in stories.items()})
    finally:
        server.terminate()
        server.wait(timeout=20)

    REDIS.terminate()
    report(
        rows, throughput, trivial, sizes, blocking, poll, browser, waves, digests, first, building
    )


def publish_a_change(story):
    """A change readers see, committed as an editor's save would: a corrected context."""
    statement = Statement.objects.for_timeline(story).first()
    statement.context = f"Synthetic context, revised at {time.time():.3f}."
    statement.save()


def goals(rows, throughput, trivial, sizes, blocking, browser, waves, digests, first):
    """(what, measured, goal, met) for every goal the issues set, from this run's figures."""
    ms = {name: by_size["100k"]["ms"] for name, by_size in rows.items()}
    ratio = {name: rate / trivial for name, (rate, _) in throughput.items()}
    js = sum(size for name, size in sizes.items() if name.endswith(".js")) / 1024
    small, large = browser["1k"], browser["100k"]
    table = [
        ("dashboard render, cache miss, 100k (ms)", ms["dashboard page, rendered"], 60),
        ("the real Hitachi page, first render after start (ms)", first, 40),
        ("figure page, cache miss, 100k (ms)", ms["figure page, rendered"], 25),
        ("timeline fragment, 100k (ms)", ms["timeline fragment"], 12),
        ("timeline fragment, cache miss, 100k (ms)", ms["timeline fragment, rendered"], 12),
    ]
    rows_out = [(what, f"{value:.1f}", f"<= {goal}", value <= goal) for what, value, goal in table]
    for name, goal in [
        ("timeline fragment", 0.15),
        ("dashboard page", 0.5),
        ("poll, unchanged", 0.8),
        ("poll, changed", 0.5),
    ]:
        rows_out.append(
            (
                f"{name}: throughput / trivial view",
                f"{ratio[name]:.2f}",
                f">= {goal}",
                ratio[name] >= goal,
            )
        )
    html_kb = sizes["html_raw"] / 1024
    rows_out += [
        (
            "dashboard HTML, synthetic story (KB, uncompressed)",
            f"{html_kb:.0f}",
            "<= 150",
            html_kb <= 150,
        ),
        ("JavaScript on a chart page (KB gzipped)", f"{js:.0f}", "<= 450", js <= 450),
        ("render-blocking scripts", str(len(blocking)), "0", not blocking),
    ]
    for label, key, goal in [
        ("timeline visible", "timeline_ms", 400),
        ("chart drawn (scrolled to at once)", "chart_ms", 1000),
    ]:
        worst = max(small[key], large[key])
        rows_out.append(
            (
                f"Chromium, empty cache: {label}, 1k and 100k (ms)",
                f"{small[key]:.0f} / {large[key]:.0f}",
                f"<= {goal}",
                worst <= goal,
            )
        )
    worst_ratio = max(by["100k"]["ms"] / by["1k"]["ms"] for by in rows.values())
    rows_out.append(
        ("every view: 100k / 1k time", f"{worst_ratio:.2f}", "<= 1.5", worst_ratio <= 1.5)
    )
    same_queries = all(by["1k"]["queries"] == by["100k"]["queries"] for by in rows.values())
    rows_out.append(
        (
            "every view: queries at 1k = at 100k",
            "yes" if same_queries else "no",
            "yes",
            same_queries,
        )
    )
    first_wave, last_wave = waves[0], waves[-1]
    rows_out += [
        (
            f"live wave: renders per change, {first_wave.readers:,} vs {last_wave.readers:,} pages",
            f"{first_wave.renders} / {last_wave.renders}",
            "<= processes",
            max(first_wave.renders, last_wave.renders) <= WEB_WORKERS,
        ),
        (
            f"live wave: last of {last_wave.readers:,} pages has the change (s)",
            f"{last_wave.seconds_to_last:.1f}",
            f"<= {POLL_SECONDS + 2}",
            last_wave.seconds_to_last <= POLL_SECONDS + 2,
        ),
    ]
    per_batch = [run["queries_per_batch"] for run in digests]
    rows_out.append(
        (
            "digests: queries per batch, 1k vs 10k followers",
            " / ".join(f"{value:.1f}" for value in per_batch),
            "not growing",
            per_batch[-1] <= per_batch[0] * 1.1,
        )
    )
    return rows_out


def machine():
    """What the figures were measured on: they move with the CPU more than with anything else."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024**2:.0f} GiB"
    postgres = connection.pg_version // 10_000 if connection.vendor == "postgresql" else "-"
    return (
        f"{time.strftime('%d %B %Y')}: {os.cpu_count()} cores ({cpu}){memory}, "
        f"Python {sys.version.split()[0]}, PostgreSQL {postgres}"
    )


def report(
    rows, throughput, trivial, sizes, blocking, poll, browser, waves, digests, first, building
):
    ran_on = machine()
    lines = ["", f"Measured on {ran_on}.", ""]
    lines += ["1-2. Server time (median ms, in-process) and queries per request", ""]
    lines.append(
        f"{'view':24} {'1k ms':>8} {'100k ms':>8} {'ratio':>6} {'queries 1k/100k':>16} status"
    )
    for name, by_size in rows.items():
        small, large = by_size["1k"], by_size["100k"]
        ratio = large["ms"] / small["ms"]
        lines.append(
            f"{name:24} {small['ms']:8.1f} {large['ms']:8.1f} {ratio:6.2f} "
            f"{small['queries']:>7}/{large['queries']:<8} {small['status']}/{large['status']}"
        )
    lines += ["", "3. Throughput under gunicorn (2 workers, wrk -t2 -c8), 100k story", ""]
    for name, (rate, errors) in throughput.items():
        lines.append(f"{name:24} {rate:9.0f} req/s  ratio {rate / trivial:5.2f}  non-2xx {errors}")
    js = {k: v for k, v in sizes.items() if k.endswith(".js")}
    lines += ["", "4. Bytes a first-time reader downloads (compressed)", ""]
    for name, size in sizes.items():
        lines.append(f"{name:60} {size / 1024:8.1f} KB")
    lines.append(f"{'JavaScript total':60} {sum(js.values()) / 1024:8.1f} KB")
    lines.append(f"render-blocking scripts: {blocking or 'none'}")
    lines.append(
        f"unchanged poll: status {poll['status']}, body {poll['body_bytes']} B, "
        f"headers {poll['header_bytes']} B"
    )
    lines += ["", "5. Headless Chromium, navigation to … (ms)", ""]
    for size, t in browser.items():
        lines.append(
            f"{size:6} first paint {t['first_paint_ms'] or 0:7.0f}  "
            f"timeline {t['timeline_ms']:7.0f} (a script saw it at "
            f"{t['timeline_seen_by_script_ms']:.0f})  chart {t['chart_ms']:7.0f} (a script saw "
            f"it at {t['chart_seen_by_script_ms']:.0f})"
            f"{'  (scrolled to: below the first screen)' if t['chart_below_first_screen'] else ''}"
        )
    lines += [
        "",
        f"6. The live wave: one published change, then N open pages poll over {POLL_SECONDS} s",
        "",
        f"{'pages':>7} {'polls':>7} {'changed':>8} {'errors':>7} {'queries':>8} "
        f"{'renders':>8} {'last reader has it (s)':>23}",
    ]
    for wave in waves:
        lines.append(
            f"{wave.readers:7,} {wave.polls:7,} {wave.changed_answers:8,} {wave.errors:7} "
            f"{wave.queries:8} {wave.renders:8} {wave.seconds_to_last:23.1f}"
        )
    lines.append(
        f"goal: queries and renders the same at every N; last reader within "
        f"{POLL_SECONDS + 2} s (one poll interval plus 2 s)"
    )
    lines += ["", f"7. Digests after {DIGEST_CHANGES} published changes, 100k story", ""]
    for run in digests:
        lines.append(
            f"{run['followers']:>6,} followers: {run['sent']:,} sent in {run['seconds']:.1f} s "
            f"({run['ms_per_follower']:.2f} ms each), {run['queries']:,} queries in "
            f"{run['batches']} batches ({run['queries_per_batch']:.1f} per batch); "
            f"a second run: {run['second_run_queries']} queries, nothing sent"
        )
    lines += ["", f"8. Building one chart of {building['points']} points (median ms)", ""]
    for what, ms in building.items():
        if what != "points":
            lines.append(f"{what:40} {ms:8.2f}")
    table = goals(rows, throughput, trivial, sizes, blocking, browser, waves, digests, first)
    lines += ["", "9. Goals", "", f"{'what':58} {'measured':>16} {'goal':>14}  met"]
    for what, measured, goal, met in table:
        lines.append(f"{what:58} {measured:>16} {goal:>14}  {'yes' if met else 'NO'}")
    met = sum(row[3] for row in table)
    lines += ["", f"Goals met: {met} of {len(table)}."]
    print("\n".join(lines))
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "quick": QUICK,
                "machine": ran_on,
                "server": rows,
                "throughput": {k: {"rps": r, "non_2xx": e} for k, (r, e) in throughput.items()},
                "bytes": sizes,
                "render_blocking": blocking,
                "poll": poll,
                "browser": browser,
                "live_wave": [vars(wave) for wave in waves],
                "digests": digests,
                "real_story_first_render_ms": first,
                "building_a_chart_ms": building,
                "goals": [
                    {"what": what, "measured": measured, "goal": goal, "met": met}
                    for what, measured, goal, met in table
                ],
            },
            indent=2,
        )
    )
    print(f"\nWritten to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
