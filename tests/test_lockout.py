"""Login protection: failures lock out for a while; editor sessions end; the admin can move."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains

from stories.roles import editors_group

pytestmark = pytest.mark.django_db

LOGIN = f"/{settings.ADMIN_PATH}login/"
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests log in dozens of times; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account():
    user = get_user_model().objects.create_user(
        username="test-locked", password=PASSWORD, is_staff=True
    )
    user.groups.add(editors_group())
    return user


def log_in(client, password, username="test-locked"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": f"/{settings.ADMIN_PATH}"}
    )


def fail_until_locked(client, username="test-locked"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong-password", username=username)


def fail_from_one_address(client, times=None):
    """Wrong passwords from one address, each for another user name (the address's limit)."""
    for attempt in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT if times is None else times):
        log_in(client, "wrong-password", username=f"test-guess-{attempt}")


def test_a_correct_password_logs_an_editor_in(account):
    response = log_in(Client(), PASSWORD)

    assert response.status_code == 302


def test_repeated_failures_lock_the_account_even_with_the_right_password(account):
    client = Client()
    fail_until_locked(client)

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assertContains(response, "Too many failed logins", status_code=429)
    assertContains(response, "locked for 30 minutes", status_code=429)


def test_an_attacker_cannot_lock_an_editor_out_from_every_address(account):
    fail_until_locked(Client(REMOTE_ADDR="192.0.2.1"))

    response = log_in(Client(REMOTE_ADDR="192.0.2.2"), PASSWORD)

    assert response.status_code == 302


def test_failures_at_one_account_leave_other_accounts_at_that_address_alone(account):
    get_user_model().objects.create_user(username="test-other", password=PASSWORD, is_staff=True)
    fail_until_locked(Client(REMOTE_ADDR="192.0.2.1"))

    response = log_in(Client(REMOTE_ADDR="192.0.2.1"), PASSWORD, username="test-other")

    assert response.status_code == 302


def test_an_address_is_locked_for_every_account_at_its_own_higher_limit(account):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    attacker = Client(REMOTE_ADDR="192.0.2.1")
    fail_from_one_address(attacker, times=settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1)
    assert log_in(attacker, PASSWORD).status_code == 302
    attacker.logout()

    fail_from_one_address(attacker, times=1)

    assert log_in(attacker, PASSWORD).status_code == 429
    assert log_in(Client(REMOTE_ADDR="192.0.2.2"), PASSWORD).status_code == 302


def test_a_good_login_clears_that_users_own_failures(account):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password")

    assert log_in(client, PASSWORD).status_code == 302


def test_a_good_login_as_another_editor_does_not_clear_the_guesses_at_an_account(account):
    # The bypass: wrong guesses at an administrator, each run of them followed by a good login
    # as any editor from the same address, would never lock if a login cleared the address.
    administrator = get_user_model().objects.create_superuser(
        username="test-administrator", email="", password=PASSWORD
    )
    attacker = Client(REMOTE_ADDR="192.0.2.1")
    for _ in range(4):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            log_in(attacker, "wrong-password", username=administrator.username)
        log_in(attacker, PASSWORD)
        attacker.logout()

    response = log_in(attacker, PASSWORD, username=administrator.username)

    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off_time(account):
    client = Client()
    fail_until_locked(client)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )

    response = log_in(client, PASSWORD)

    assert response.status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(account):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password")

    assert log_in(client, PASSWORD).status_code == 302


def test_an_editor_session_lasts_a_working_day_and_ends_with_the_browser(account):
    client = Client()
    log_in(client, PASSWORD)

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.session.get_expire_at_browser_close()


def test_an_expired_session_must_log_in_again(account):
    client = Client()
    log_in(client, PASSWORD)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    # The cached copy of a session expires with it; this test cannot wait, so drop it.
    cache.delete(SessionStore(client.session.session_key).cache_key)

    response = client.get(f"/{settings.ADMIN_PATH}")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.slow
def test_the_admin_path_comes_from_the_environment():
    environment = {**os.environ, "ADMIN_PATH": "/test-newsroom/"}
    program = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:index'))"
    )

    result = subprocess.run(
        [sys.executable, "-c", program],
        env={**environment, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "/test-newsroom/"


def settings_for(environment, names):
    """The values dashboard.settings gives `names` when started with `environment`."""
    program = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, name) for name in {names!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, **environment, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(zip(names, json.loads(result.stdout), strict=True))


CLIENT_ADDRESS_SETTINGS = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER"]


@pytest.fixture
def behind_one_proxy(settings):
    """django-axes finds the client's address as it does in production with PROXY_COUNT=1."""
    for name, value in settings_for({"PROXY_COUNT": "1"}, CLIENT_ADDRESS_SETTINGS).items():
        setattr(settings, name, value)


def test_behind_a_proxy_the_lock_is_on_the_client_address_not_the_proxys(account, behind_one_proxy):
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    fail_from_one_address(attacker)

    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert log_in(attacker, PASSWORD).status_code == 429
    assert log_in(colleague, PASSWORD).status_code == 302


def test_behind_a_proxy_an_address_the_client_wrote_itself_is_not_trusted(
    account, behind_one_proxy
):
    # The proxy appends the address it saw; anything to its left came from the client.
    spoofing = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7")
    fail_until_locked(spoofing)

    elsewhere = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.8")

    assert (
        log_in(
            Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"), PASSWORD
        ).status_code
        == 429
    )
    assert log_in(elsewhere, PASSWORD).status_code == 302


def test_without_a_proxy_the_forwarded_header_is_ignored(account):
    fail_until_locked(Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7"))

    response = log_in(
        Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.8"), PASSWORD
    )

    assert response.status_code == 429
