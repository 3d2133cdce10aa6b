import signal
import sys
import time

from django.core.management.base import BaseCommand

from alerts.digests import Run

BAR = 30


class Command(BaseCommand):
    help = (
        "Send each follower one email listing what was published or corrected in what they "
        "follow since their last one. Safe to run at any time and to re-run after a crash "
        "(alerts/digests.py). The compose scheduler service runs it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every-minutes",
            type=float,
            default=0,
            help="Keep running, once every this many minutes (0: run once and exit).",
        )

    def handle(self, *args, every_minutes, **options):
        # `docker compose stop` sends SIGTERM: end as an exception, so the batch being sent
        # records what went out before the process exits (alerts/digests.py).
        signal.signal(signal.SIGTERM, self.terminate)
        while True:
            started = time.monotonic()
            run = Run(progress=self.progress if self.stdout.isatty() else None)()
            self.stdout.write(
                f"Sent {run.sent} digest(s); {run.skipped} follower(s) had nothing new "
                f"({time.monotonic() - started:.1f} s)."
            )
            if not every_minutes:
                return
            time.sleep(max(0.0, every_minutes * 60 - (time.monotonic() - started)))

    def terminate(self, signum, frame):
        sys.exit(128 + signum)

    def progress(self, done, total):
        """A bar on the terminal when run by hand; nothing in a log."""
        filled = BAR * done // total if total else BAR
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,} followers", ending=""
        )
        if done >= total:
            self.stdout.write("")
