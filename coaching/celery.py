"""The Celery app, configured from Django's settings (CELERY_* in coaching/settings.py)."""

import os

from celery import Celery
from celery.signals import setup_logging

from coaching import broker

broker.register()  # the embedded mode's broker, sqlite:///var/celery/broker.sqlite3

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")

app = Celery("coaching")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _logging(loglevel=None, logfile=None, **kwargs) -> None:
    """Workers and beat log as the web processes do (LOGGING: JSON lines without personal data
    in production, coaching/logs.py), at their --loglevel, into --logfile when one is given
    (reopened when logrotate moved it)."""
    import copy
    import logging.config

    from django.conf import settings

    config = copy.deepcopy(settings.LOGGING)
    if loglevel:
        config["root"]["level"] = loglevel
    if logfile:
        config["handlers"]["console"] = {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": logfile,
            "formatter": settings.LOG_FORMAT,
        }
    logging.config.dictConfig(config)
