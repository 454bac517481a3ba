#!/usr/bin/env bash
# Benchmark every screen and API read on PostgreSQL (scripts/benchmark.py):
#   scripts/benchmark.sh [children]   one authority of that many children (default 20000)
#   scripts/benchmark.sh national     10 authorities, 1,000,000 children, 2,000,000 episodes
# The database is casework_bench_<size>; it is dropped afterwards unless BENCH_KEEP=1.
# BENCH_REUSE=1 measures an existing casework_bench_<size> without seeding it again.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-20000}
DB=casework_bench_$SIZE
scripts/services.sh
scripts/venv.sh test
export DATABASE_URL=postgres://app:app@127.0.0.1:5432/$DB
export SECRET_KEY=benchmark-only DEBUG=false CASEWORK_PLAIN_STATIC=true ALLOWED_HOSTS=testserver,localhost,127.0.0.1
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false  # the test client and the load run speak plain HTTP
if [ "${BENCH_REUSE:-0}" != 1 ]; then
  runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
  runuser -u postgres -- psql -qc "CREATE DATABASE $DB OWNER app" >/dev/null
  .venv/bin/python manage.py migrate --noinput >/dev/null
  if [ "$SIZE" = national ]; then
    SEED=(--authorities 10 --children 1000000 --live 1000)
  else
    SEED=(--authorities 1 --children "$SIZE" --live $(( SIZE < 2000 ? SIZE : 2000 )))
  fi
  /usr/bin/time -f "seed_national: %e s" .venv/bin/python manage.py seed_national "${SEED[@]}" --notifications 400 \
    2> >(grep -v '"level"' >&2)
fi
.venv/bin/python manage.py migrate --noinput >/dev/null  # indexes added since the seed
.venv/bin/python scripts/benchmark.py 2> >(grep -v '"level"' >&2)
if [ "${BENCH_KEEP:-0}" != 1 ]; then
  runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
fi
