# planflow image: one image for web (gunicorn), worker and beat (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PLANFLOW_VAR_DIR=/app/var

WORKDIR /app

# Liberation Serif 2: the font embedded in rendered PDFs (every Vietnamese letter, Times metrics).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them (all pins ship manylinux wheels).
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic only imports settings: a throwaway key and the SQLite default are enough here.
RUN groupadd --system planflow && useradd --system --gid planflow --home-dir /app planflow \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R planflow:planflow /app/var

USER planflow
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
