from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Public dashboard"

    def ready(self):
        from .middleware import note_editorial_write

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(note_editorial_write, dispatch_uid=f"editorial-write-{id(signal)}")
