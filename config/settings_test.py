"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE): the development defaults — DEBUG on,
so no TLS redirect and the development key — unless the caller exported DEBUG itself. Everything else is
config.settings unchanged. (Production refuses to start without SECRET_KEY; see config/settings.py.)"""
import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *
