#!/usr/bin/env bash
# Run the product with demo data: SQLite in var/, the clock in a local Celery worker with beat on a
# filesystem broker (no Redis, no PostgreSQL). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
export DEBUG=${DEBUG:-true}
# Plain http on this machine: no redirect to https, cookies not limited to it.
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-false}
export SECURE_COOKIES=${SECURE_COOKIES:-false}
# Log lines as text for a person at a terminal (production logs one JSON object a line).
export LOG_FORMAT=${LOG_FORMAT:-text}
export CASEWORK_VAR_DIR=${CASEWORK_VAR_DIR:-$PWD/var}
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND
PORT=${PORT:-8000}
PY=.venv/bin/python
$PY manage.py migrate --noinput >/dev/null
if [ "$($PY manage.py shell -c 'from casework.models import User; print(User.objects.exists())')" != "True" ]; then
  echo "Making demo data (a few hundred synthetic children)..."
  $PY manage.py seed_demo --children "${DEMO_CHILDREN:-300}"
fi
.venv/bin/celery -A config worker --beat --loglevel=WARNING --concurrency=1 \
  --schedule "$CASEWORK_VAR_DIR/celerybeat-schedule" --pidfile= >"$CASEWORK_VAR_DIR/celery.log" 2>&1 &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  Missing children casework is running at http://127.0.0.1:$PORT/

  Demo sign-ins (password for all: demo-password-2026):
    mash          MASH coordinator
    chair         panel chair
    police        police officer (sends notifications)
    rhi           return home interview worker
    education     children missing education officer
    board         strategic board member
    admin         administrator (two-factor set-up is asked for at first sign-in)

MSG
$PY manage.py runserver "127.0.0.1:$PORT" --noreload
