# The production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/files && useradd --system --home /app casework && chown -R casework /app
USER casework
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
