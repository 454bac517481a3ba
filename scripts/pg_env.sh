# Sourced by backup.sh and restore.sh: DATABASE_URL as libpq's PG* variables, so that no password
# appears on a command line (and so in the process list).
: "${DATABASE_URL:?Set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:port/name).}"
PYTHON_FOR_URL=$(command -v python3 || command -v python)
eval "$("$PYTHON_FOR_URL" - <<'PY'
import os, shlex, sys
from urllib.parse import unquote, urlsplit

url = urlsplit(os.environ["DATABASE_URL"])
if url.scheme not in ("postgres", "postgresql", "pgsql"):
    sys.exit("DATABASE_URL is not a PostgreSQL database: backup and restore need PostgreSQL.")
for name, value in (
    ("PGHOST", url.hostname), ("PGPORT", url.port), ("PGUSER", url.username and unquote(url.username)),
    ("PGPASSWORD", url.password and unquote(url.password)), ("PGDATABASE", unquote(url.path.lstrip("/"))),
):
    if value:
        print(f"export {name}={shlex.quote(str(value))}")
PY
)"
VAR_DIR=${CASEWORK_VAR_DIR:-$PWD/var}
FILES_DIR=${CASEWORK_FILES_DIR:-$VAR_DIR/files}
