#!/usr/bin/env bash
# Back up everything the product holds: the PostgreSQL database (pg_dump, custom format: tables,
# audit triggers, sequences) and the files it keeps (CASEWORK_FILES_DIR, by default var/files).
#
#   DATABASE_URL=postgres://user:password@host:5432/casework scripts/backup.sh [BACKUP_ROOT]
#
# Writes BACKUP_ROOT/casework-<UTC time>/ (BACKUP_ROOT defaults to var/backups) holding
# database.dump, files.tar.gz and SHA256SUMS, readable by the owner only, and prints its path.
# The dump is one consistent snapshot taken while the product runs; the files are archived
# just after it. The backup holds children's special category data: store it encrypted.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg_env.sh
umask 077
BACKUP_ROOT=${1:-$VAR_DIR/backups}
target="$BACKUP_ROOT/casework-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target" "$FILES_DIR"
pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump"
tar -C "$FILES_DIR" -czf "$target/files.tar.gz" .
(cd "$target" && sha256sum database.dump files.tar.gz > SHA256SUMS)
echo "$target"
