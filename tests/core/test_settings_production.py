"""Safe defaults: with nothing set the settings are production's (DEBUG off, a SECRET_KEY required), one
database connection per request unless asked otherwise, and gunicorn as the documented server."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x7#Qp9!vLr2@Zt8$Wm4^Kc6&Hn1*Bd5(Fs3)Gj0+Yq-Ue_Ia=Oo~Pw;Rl:Se"
# What the caller's shell or the test run may have set and these tests decide themselves.
OURS = ("DEBUG", "SECRET_KEY", "CACHE_URL", "CONN_MAX_AGE", "TRUSTED_PROXIES", "DJANGO_SETTINGS_MODULE",
        "PYTHONPATH")


def clean_env(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in OURS and not k.startswith("GUNICORN_")}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return base


def settings_in_subprocess(expression: str, **env: str):
    """The value of ``expression`` over config.settings in a fresh process with exactly ``env`` on top."""
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps(eval({expression!r}, {{}}, vars(s._wrapped)), default=str))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(**env), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_the_settings_refuse_to_start_with_a_clear_message():
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=clean_env(),
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=true" in result.stderr  # the message says how to develop, too


def test_debug_defaults_to_off():
    assert settings_in_subprocess("DEBUG", SECRET_KEY=SECRET) is False


def test_development_is_an_explicit_choice():
    assert settings_in_subprocess("DEBUG", DEBUG="true") is True


def test_one_connection_per_request_by_default():
    assert settings_in_subprocess("[DATABASES['default']['CONN_MAX_AGE'], DATABASES['default']['CONN_HEALTH_CHECKS']]",
                                  SECRET_KEY=SECRET) == [0, False]


def test_persistent_connections_are_health_checked():
    assert settings_in_subprocess("[DATABASES['default']['CONN_MAX_AGE'], DATABASES['default']['CONN_HEALTH_CHECKS']]",
                                  SECRET_KEY=SECRET, CONN_MAX_AGE="60") == [60, True]


def test_the_test_settings_are_development_mode_unless_told_otherwise():
    code = "import config.settings_test as s; print(s.DEBUG)"
    dev = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(), capture_output=True, text=True)
    assert dev.stdout.strip() == "True", dev.stderr
    prod = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(DEBUG="false"),
                          capture_output=True, text=True)
    assert prod.returncode != 0 and "SECRET_KEY is not set" in prod.stderr


def _gunicorn_config(**env: str) -> dict:
    code = ("from gunicorn.config import Config; import runpy;"
            "cfg = Config(); ns = runpy.run_path('config/gunicorn.conf.py');"
            "[cfg.set(k, v) for k, v in ns.items() if k in cfg.settings];"
            "import json; print(json.dumps({k: cfg.settings[k].get() for k in "
            "('bind', 'workers', 'threads', 'worker_class', 'accesslog', 'logconfig_dict')}, default=str))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(**env), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gunicorn_binds_from_the_environment_with_sync_workers_by_default():
    cfg = _gunicorn_config(GUNICORN_BIND="0.0.0.0:9000", GUNICORN_WORKERS="3")
    assert cfg["bind"] == ["0.0.0.0:9000"]
    assert cfg["workers"] == 3 and cfg["threads"] == 1 and cfg["worker_class"] == "sync"
    assert cfg["accesslog"] == "-"


def test_gunicorn_threads_switch_to_gthread_and_every_handler_masks_id_numbers():
    cfg = _gunicorn_config(GUNICORN_THREADS="4")
    assert cfg["threads"] == 4 and cfg["worker_class"] == "gthread"
    handlers = cfg["logconfig_dict"]["handlers"]
    assert handlers and all(h["filters"] == ["mask_id_numbers"] for h in handlers.values())
    assert cfg["logconfig_dict"]["filters"]["mask_id_numbers"]["()"] == "apps.core.logging.MaskIdNumbersFilter"
