"""secret_key.py: DJANGO_SECRET_KEY when set, else a key derived from the database
secret's password (what the construct deploys), the same for every process; the
derived key is redacted like the others, and nothing starts without either."""

import json
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from wagtail_scale_to_zero_runtime import log_redaction
from wagtail_scale_to_zero_runtime.secret_key import secret_key
from wagtail_scale_to_zero_runtime.settings import configure

DATABASE_SECRET = json.dumps({"username": "wagtail", "password": "generated-database-password-30c", "host": "db"})


def test_a_given_key_wins_and_the_derived_one_follows_the_database_password():
    derived = secret_key({"DATABASE_SECRET": DATABASE_SECRET})
    assert len(derived) == 64 and int(derived, 16) and "generated-database-password" not in derived
    assert secret_key({"DATABASE_SECRET": DATABASE_SECRET, "DJANGO_SECRET_KEY": " "}) == derived
    assert secret_key({"DATABASE_SECRET": DATABASE_SECRET, "DJANGO_SECRET_KEY": "mine"}) == "mine"
    other = json.dumps({**json.loads(DATABASE_SECRET), "host": "elsewhere"})
    assert secret_key({"DATABASE_SECRET": other}) == derived  # only the password counts
    assert secret_key({"DATABASE_SECRET": json.dumps({"password": "another"})}) != derived
    for environ in ({}, {"DATABASE_SECRET": "not json"}, {"DATABASE_SECRET": "[]"}, {"DATABASE_URL": "postgres://u:p@h/d"}):
        assert secret_key(environ) == ""


def test_another_process_derives_the_same_key():
    code = ("import json, sys; from wagtail_scale_to_zero_runtime.secret_key import secret_key; "
            "print(secret_key({'DATABASE_SECRET': sys.argv[1]}))")
    other = subprocess.run([sys.executable, "-c", code, DATABASE_SECRET], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == secret_key({"DATABASE_SECRET": DATABASE_SECRET})


def test_configure_uses_the_derived_key_and_redaction_blanks_it(contract_env):
    contract_env.delenv("DJANGO_SECRET_KEY", raising=False)
    contract_env.delenv("DATABASE_URL", raising=False)
    contract_env.setenv("DATABASE_SECRET", DATABASE_SECRET)
    settings = {"INSTALLED_APPS": ["wagtail"], "MIDDLEWARE": []}
    configure(settings)
    derived = secret_key({"DATABASE_SECRET": DATABASE_SECRET})
    assert settings["SECRET_KEY"] == derived
    assert log_redaction.redact_secrets(f"SECRET_KEY = {derived!r}") == "SECRET_KEY = '[redacted]'"


def test_without_a_key_or_a_database_secret_nothing_starts(contract_env):
    contract_env.delenv("DJANGO_SECRET_KEY", raising=False)
    contract_env.delenv("DATABASE_SECRET", raising=False)
    contract_env.setenv("DATABASE_URL", "postgres://u:p@h/d")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not set, and there is no DATABASE_SECRET"):
        configure({"INSTALLED_APPS": ["wagtail"], "MIDDLEWARE": []})
