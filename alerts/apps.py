from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Readers who follow a story or a person by email, and the digests they get."""

    name = "alerts"
    verbose_name = "Email alerts"
