"""gunicorn, the production server: ``gunicorn -c config/gunicorn.conf.py config.wsgi`` (README "Production").

Every value comes from the environment:
- ``GUNICORN_BIND`` (default ``127.0.0.1:8000``; ``unix:/run/yidi.sock`` behind a local proxy),
- ``GUNICORN_WORKERS`` (default 2 × cores + 1), ``GUNICORN_THREADS`` (default 1: sync workers; more than 1
  switches to gthread), ``GUNICORN_TIMEOUT`` (seconds, default 60: a 1,000-item settlement bulk),
- ``GUNICORN_MAX_REQUESTS`` (recycle a worker after that many requests, default 2000; 0 never),
- ``GUNICORN_CONTROL_SOCKET`` (a path for gunicornc; none by default).
At most workers × threads database connections are open at once, whatever CONN_MAX_AGE says.

Logs go to stdout (access) and stderr (errors) through apps.core.logging's filter, so no full resident ID
number reaches them (query strings included); the access log's client address is apps.core.net's (the
real client behind a proxy listed in TRUSTED_PROXIES, else the peer).
"""
import multiprocessing
import os
import sys
from pathlib import Path
from types import SimpleNamespace

from gunicorn import glogging

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # apps.core.logging must import before the application is loaded
    sys.path.insert(0, str(ROOT))

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# gunicorn's runtime control socket (gunicornc): off unless GUNICORN_CONTROL_SOCKET names a path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "") or None
control_socket_disable = control_socket is None
if control_socket is None:
    del control_socket
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


class Logger(glogging.Logger):
    """gunicorn's logger with the client address resolved as the application resolves it."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        try:
            from apps.core.net import client_ip

            atoms["h"] = client_ip(SimpleNamespace(META=environ)) or atoms["h"]
        except Exception:  # settings not loaded yet: the peer address, as gunicorn has it
            pass
        return atoms


logger_class = Logger

_MASK = {"()": "apps.core.logging.MaskIdNumbersFilter"}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": _MASK},
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
                    "datefmt": "[%Y-%m-%d %H:%M:%S %z]"},
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr",
                    "filters": ["mask_id_numbers"]},
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic",
                          "stream": "ext://sys.stderr", "filters": ["mask_id_numbers"]},
        "access_console": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout",
                           "filters": ["mask_id_numbers"]},
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}
