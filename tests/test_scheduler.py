"""The compose scheduler service's script sends digests, on PostgreSQL, to a real SMTP server."""

import subprocess
import textwrap

import pytest

from tests.mail import text_of
from tests.servers import ROOT, base_env, manage, scratch_database

pytestmark = pytest.mark.django_db

SET_UP = textwrap.dedent(
    """
    from alerts import services
    from alerts.models import Follow
    from tests import factories

    story = factories.story(slug="test-scheduled")
    services.sign_up("scheduled@example.test", story)
    services.confirm(Follow.objects.get())
    factories.statement(story, quote="Test: sent by the scheduler.")
    """
)


def test_the_scheduler_script_sends_a_digest_once_and_exits(smtp_server, tmp_path):
    with scratch_database("scheduler_check") as url:
        env = {
            **base_env(),
            "DATABASE_URL": url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
            "SITE_URL": "https://news.example.test",
            "DIGEST_INTERVAL_MINUTES": "0",
        }
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SET_UP)

        done = subprocess.run(
            [str(ROOT / "scripts" / "scheduler")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert done.returncode == 0, done.stderr
    assert "Sent 1 digest(s)" in done.stdout
    (message,) = smtp_server.inbox.messages
    assert "Test: sent by the scheduler." in text_of(message)
    assert "https://news.example.test/stories/test-scheduled/statements/" in text_of(message)
