import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from stories.roles import editors_group


class Command(BaseCommand):
    help = "Create an editor account (staff, in the Editors group) and print its password."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username, **options):
        User = get_user_model()
        # Run on every `make run`: keeps the Editors group's permissions as stories.roles says.
        group = editors_group()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"The editor “{username}” already exists. "
                f"To set a new password: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        user.groups.add(group)
        self.stdout.write(f"Created the editor “{username}” with password: {password}")
