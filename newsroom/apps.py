from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project package as an app, so its deployment checks are registered."""

    name = "newsroom"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks
