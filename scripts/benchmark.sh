#!/usr/bin/env bash
# Benchmark on PostgreSQL with a large synthetic authority: scripts/benchmark.sh [children]
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${1:-20000}
scripts/services.sh
scripts/venv.sh test
runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS casework_bench" >/dev/null
runuser -u postgres -- psql -qc "CREATE DATABASE casework_bench OWNER app" >/dev/null
export DATABASE_URL=postgres://app:app@127.0.0.1:5432/casework_bench
export SECRET_KEY=benchmark-only DEBUG=false CASEWORK_PLAIN_STATIC=true ALLOWED_HOSTS=testserver,localhost
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false  # the test client speaks plain HTTP
.venv/bin/python manage.py migrate --noinput >/dev/null
echo "Seeding $CHILDREN children..."
/usr/bin/time -f "seed_demo: %e s" .venv/bin/python manage.py seed_demo --children "$CHILDREN" --notifications 400
.venv/bin/python scripts/benchmark.py
