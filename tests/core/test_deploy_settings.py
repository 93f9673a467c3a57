"""With production values, Django's deployment checklist has nothing to say."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_values():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x7#Qp9!vLr2@Zt8$Wm4^Kc6&Hn1*Bd5(Fs3)Gj0+Yq-Ue_Ia=Oo~Pw;Rl:Se",
        "ALLOWED_HOSTS": "yidi.example.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG="false", ALLOWED_HOSTS="yidi.example.gov.cn")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
