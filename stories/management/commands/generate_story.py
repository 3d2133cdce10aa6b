import time

from django.core.management.base import BaseCommand, CommandError

from stories.synthetic import PREFIX, NotSynthetic, generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic story for benchmarks (slug must start with “synthetic-”). "
        "It is clearly marked as synthetic and never touches a real story."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help=f"e.g. {PREFIX}100k")
        parser.add_argument("--stakeholders", type=int, default=200)
        parser.add_argument("--statements", type=int, default=100_000)
        parser.add_argument("--events", type=int, default=5_000)
        parser.add_argument("--series", type=int, default=2)
        parser.add_argument("--points", type=int, default=500)
        parser.add_argument("--sources", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, slug, **options):
        counts = {
            name: options[name]
            for name in ("stakeholders", "statements", "events", "series", "points", "sources")
        }
        if any(value < 0 for value in counts.values()) or counts["sources"] < 1:
            raise CommandError("Counts must be positive, with at least one source.")
        started = time.monotonic()
        try:
            story = generate(slug, seed=options["seed"], progress=self.progress, **counts)
        except NotSynthetic as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"\nGenerated “{story.title}” ({slug}) in {time.monotonic() - started:.1f} s."
        )

    def progress(self, label, done, total):
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        self.stdout.write(f"\r{label:>14} [{bar}] {done:,}/{total:,}", ending=end)
        self.stdout.flush()
