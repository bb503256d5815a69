"""The site for the benchmark's gunicorn (bench.http): production's WSGI application, with the
floor page's URL added (bench.urls). Only `make bench` serves this module."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")

application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.urls"
