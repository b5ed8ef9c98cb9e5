"""Production settings: `check --deploy` is clean with config/prod.env.example, HTTPS-only cookies and HSTS,
allowed hosts from the environment, and a Content-Security-Policy without inline scripts that the pages keep to.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def prod_env(tmp_path) -> dict[str, str]:
    """The example production environment, with a real secret and local services (nothing is contacted)."""
    # Its own database below: nothing of the test run's (DATABASE_POOLER, DATABASE_REPLICA_URL in CI's PostgreSQL pass).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_"))}
    for line in (ROOT / "config/prod.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    env.update(
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        CACHE_URL="locmemcache://",
        VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    result = manage(prod_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_does_fail_on_a_weak_setup(tmp_path):
    """The test above can fail: without HTTPS settings the same check complains."""
    env = prod_env(tmp_path)
    env.update(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="false")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS


def test_production_values(tmp_path):
    env = prod_env(tmp_path)
    env["ALLOWED_HOSTS"] = "desk.example.kz,api.example.kz"
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG','ALLOWED_HOSTS','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS',"
        "'SECURE_SSL_REDIRECT','SECURE_PROXY_SSL_HEADER','SESSION_COOKIE_HTTPONLY','X_FRAME_OPTIONS')}))"
    )
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["desk.example.kz", "api.example.kz"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_without_a_secret_key_production_refuses_to_start(tmp_path):
    env = prod_env(tmp_path)
    env["SECRET_KEY"] = ""
    result = manage(env, "check")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


# --- Content-Security-Policy -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_pages_send_a_policy_without_inline_scripts(client, executor):
    client.force_login(executor)
    for url in ("/appeals/", reverse("login")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_the_api_docs_keep_their_own_policy(client, executor):
    client.force_login(executor)
    policy = client.get("/api/redoc/")["Content-Security-Policy"]
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_carries_an_inline_script_or_handler():
    """The desk's templates keep to the policy (the API docs pages have their own and are left out)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "drf_spectacular" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_static_scripts_do_not_evaluate_strings():
    for path in (ROOT / "static").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "eval(" not in text and "new Function(" not in text, path
