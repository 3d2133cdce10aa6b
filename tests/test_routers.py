"""The optional read replica: public reads go to it; editors and transactions use the primary."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard import routers
from dashboard.middleware import PrimaryDatabaseMiddleware
from stories.models import Story
from tests import servers

router = routers.ReplicaRouter()


def test_a_public_read_goes_to_the_replica():
    assert router.db_for_read(Story) == "replica"


def test_writes_go_to_the_primary():
    assert router.db_for_write(Story) == "default"


def test_reads_of_a_request_pinned_to_the_primary_stay_there():
    with routers.primary():
        assert router.db_for_read(Story) == "default"
    assert router.db_for_read(Story) == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_see_its_own_writes_on_the_primary():
    with transaction.atomic():
        assert router.db_for_read(Story) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "stories")
    assert not router.allow_migrate("replica", "stories")


def test_editors_requests_are_pinned_and_readers_requests_are_not():
    seen = []

    def view(request):
        seen.append(routers.pinned_alias.get() == "default")
        return HttpResponse()

    middleware = PrimaryDatabaseMiddleware(view)
    factory = RequestFactory()
    middleware(factory.get("/stories/x/"))
    middleware(factory.post("/stories/x/"))
    middleware(factory.get(f"/{settings.ADMIN_PATH}stories/story/"))
    with_session = factory.get("/stories/x/")
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    middleware(with_session)

    assert seen == [False, True, True, True]


@pytest.mark.slow
def test_database_replica_url_adds_the_replica_and_the_router():
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['replica']['HOST'], settings.DATABASES['replica']['PORT'], "
        "settings.DATABASES['replica']['OPTIONS']['connect_timeout'], settings.DATABASE_ROUTERS)"
    )
    env = {**servers.base_env(), "DATABASE_REPLICA_URL": "postgres://reader@replica.test:5433/news"}

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.splitlines()[-1].split() == [
        "replica.test",
        "5433",
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"),
        "['dashboard.routers.ReplicaRouter']",
    ]


def test_without_a_replica_there_is_no_router():
    assert "replica" not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == []
