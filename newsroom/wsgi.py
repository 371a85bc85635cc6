import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

# Page-cache hits are answered before Django's request handling (newsroom/fastpath.py).
from .fastpath import FastPath  # noqa: E402 - needs the settings module chosen above
from .warmup import warm  # noqa: E402

application = FastPath(get_wsgi_application())
# URLconfs and templates prepared before gunicorn forks its workers (newsroom/warmup.py).
warm()
