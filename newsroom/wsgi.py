import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

# Page-cache hits are answered before Django's request handling (newsroom/fastpath.py).
from .fastpath import FastPath  # noqa: E402 - needs the settings module chosen above

application = FastPath(get_wsgi_application())
