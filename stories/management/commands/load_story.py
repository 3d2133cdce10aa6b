from django.core.management.base import BaseCommand, CommandError

from stories.loading import StoryDataError, data_file, load_story_file


class Command(BaseCommand):
    help = "Load a story from its data file in stories/data/ (or a path). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("story", help="A story slug, e.g. hitachi-newton-aycliffe, or a path.")

    def handle(self, *args, story, **options):
        path = data_file(story) if "/" not in story and not story.endswith(".json") else story
        try:
            loaded, changes = load_story_file(path)
        except StoryDataError as error:
            raise CommandError(str(error)) from error
        if changes:
            self.stdout.write(f"Loaded “{loaded.title}”: {changes} rows created or updated.")
        else:
            self.stdout.write(f"“{loaded.title}” is already up to date.")
