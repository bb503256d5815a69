"""gunicorn's settings, read by gunicorn from the folder it starts in (docs/production.md, "Logs").

With JSON logs (LOG_FORMAT=json, production's default) gunicorn's own lines (gunicorn.error:
workers booting, a worker timing out, a request it could not parse or answer) are JSON lines as
the application's (coaching/logs.py), without the request line or the address in them (a query
string may name someone); gunicorn writes no access log (the application logs each request by
its route). Everything else is set on the command line."""

import os

_json = (
    os.environ.get("LOG_FORMAT")
    or ("json" if os.environ.get("PRAKTIJK_ENV") == "production" else "plain")
) == "json"

if _json:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "coaching.logs.JSONFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
