.PHONY: demo test

# Runs the product with demo data on SQLite, with the clock in a local Celery worker (no Redis).
demo:
	scripts/demo.sh

# Runs the whole test suite on PostgreSQL, Redis and headless Chromium (installed if missing).
test:
	scripts/test.sh
