"""The Celery app, configured from Django's settings (CELERY_* in coaching/settings.py)."""

import os

from celery import Celery

from coaching import broker

broker.register()  # the embedded mode's broker, sqlite:///var/celery/broker.sqlite3

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")

app = Celery("coaching")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
