#!/usr/bin/env bash
# `make load`: 50 employees for 60 seconds against gunicorn on loopback, on PostgreSQL with the demo data.
# Needs: DATABASE_URL (PostgreSQL), optionally CELERY_BROKER_URL (Redis). Prints locust's summary and
# leaves the CSV figures in var/load/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
USERS=${LOAD_USERS:-50}
SECONDS_=${LOAD_SECONDS:-60}
PORT=${LOAD_PORT:-8077}
WORKERS=${LOAD_WORKERS:-3}
OUT=var/load
mkdir -p "$OUT"
: "${DATABASE_URL:?set DATABASE_URL=postgres://... (the load test runs on PostgreSQL)}"
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
  CSRF_COOKIE_SECURE=false BEHIND_TLS_PROXY=false STATIC_ROOT="$PWD/$OUT/static" LOG_LEVEL=WARNING
export SECRET_KEY=${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(60))')}
"$PY" manage.py migrate --no-input >/dev/null
# On the national dataset (manage.py seed_demo --national): its own accounts and password, never the demo on top.
ACCOUNTS=$(DJANGO_SETTINGS_MODULE=config.settings "$PY" benchmarks/load_accounts.py)
if [ -n "$ACCOUNTS" ]; then
  eval "$ACCOUNTS"
  export LOAD_EXECUTORS LOAD_SUPERVISORS LOAD_PASSWORD=national12345
  echo "National dataset: $(echo "$LOAD_EXECUTORS,$LOAD_SUPERVISORS" | tr ',' '\n' | wc -l) accounts"
else
  "$PY" manage.py seed_demo --if-empty
fi
"$PY" manage.py collectstatic --no-input >/dev/null
# Everyone starts signed in (benchmarks/load_sessions.py says why); LOAD_SIGN_IN=1 signs in through the form.
if [ "${LOAD_SIGN_IN:-0}" != "1" ]; then
  eval "$(DJANGO_SETTINGS_MODULE=config.settings "$PY" benchmarks/load_sessions.py)"
  export LOAD_SESSIONS
  echo "Signed in before the run: $(echo "$LOAD_SESSIONS" | tr ',' '\n' | grep -c :) accounts"
fi
"$PY" manage.py shell -c "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()"
"$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads 4 \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/accounts/login/" >/dev/null && break; sleep 0.2; done
"$BIN/locust" -f benchmarks/locustfile.py --headless -u "$USERS" -r 10 -t "${SECONDS_}s" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --only-summary --stop-timeout 5 2>&1 | tee "$OUT/summary.txt"
# Per page: requests, errors, p50 and p95 (ms), from locust's CSV.
"$PY" - "$OUT/load_stats.csv" <<'PYTHON' | tee -a "$OUT/summary.txt"
import csv, sys
print("\n| Page | Requests | Errors | p50 ms | p95 ms |\n|---|---:|---:|---:|---:|")
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    name = row["Name"] if row["Type"] else "**all**"
    print(f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} |")
PYTHON
