#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty files folder.
#
#   createdb casework_restored    # or any new, empty database the DATABASE_URL user may write
#   DATABASE_URL=postgres://user:password@host:5432/casework_restored scripts/restore.sh var/backups/casework-<time>
#
# Checks the backup's checksums first, refuses a database that has tables or a files folder
# (CASEWORK_FILES_DIR, by default var/files) that has files, restores in one transaction (all or
# nothing) and then checks that every migration the code expects is applied.
set -euo pipefail
cd "$(dirname "$0")/.."
backup=${1:?Give the backup folder to restore, e.g. var/backups/casework-20260101T020000Z}
source scripts/pg_env.sh
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "The backup's checksums do not match: not restored." >&2; exit 1; }
tables=$(psql -XtAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "The database $PGDATABASE already has $tables tables: restore only into a new, empty database." >&2
  exit 1
fi
if [ -d "$FILES_DIR" ] && [ -n "$(ls -A "$FILES_DIR")" ]; then
  echo "The files folder $FILES_DIR is not empty: restore only into an empty one." >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" "$backup/database.dump"
mkdir -p "$FILES_DIR"
tar -C "$FILES_DIR" -xzf "$backup/files.tar.gz"
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
SECRET_KEY=${SECRET_KEY:-restore-check-only} "$PYTHON" manage.py migrate --check >/dev/null \
  || { echo "Restored, but the code expects migrations the backup lacks: run manage.py migrate." >&2; exit 2; }
echo "Restored $backup into $PGDATABASE and $FILES_DIR."
