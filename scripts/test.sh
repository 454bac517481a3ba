#!/usr/bin/env bash
# The whole test suite against real PostgreSQL, Redis, Celery and headless Chromium.
# Installs and starts what is missing. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
scripts/venv.sh test
scripts/venv903.sh
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://app:app@127.0.0.1:5432/casework}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export SECRET_KEY=${SECRET_KEY:-test-only-secret-key}
export DEBUG=false
export CASEWORK_PLAIN_STATIC=true
export SECURE_COOKIES=false
export SECURE_SSL_REDIRECT=false
export DJANGO_ALLOW_ASYNC_UNSAFE=true
export PYTHONDONTWRITEBYTECODE=1
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
# The tests that start and kill a Redis of their own, and point this process's Celery app at it, run
# in a process of their own: the app's cached connections must not follow the rest of the suite.
OWN_BROKER=(tests/missing/test_broker_down.py tests/casework/test_health.py)
# The tests that run a real Celery worker process run in a process of their own too: after the rest
# of the suite the app's pooled broker connections were found dead, and their tasks never arrived.
REAL_WORKER=(tests/missing/test_csv_upload_background.py tests/reporting/test_quarterly.py
             tests/browser/test_triage_journey.py tests/casework/test_celery_integration.py)
.venv/bin/python -m pytest "${OWN_BROKER[@]/#/--ignore=}" "${REAL_WORKER[@]/#/--ignore=}"
.venv/bin/python -m pytest "${REAL_WORKER[@]}"
.venv/bin/python -m pytest "${OWN_BROKER[@]}"
