from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Pictures"
    default_auto_field = "django.db.models.BigAutoField"
