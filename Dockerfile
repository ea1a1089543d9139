FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=vendor_portal.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The portal runs from its folder: only its dependencies are installed, from the lock, checked by hash.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --only-binary :all: -r requirements.lock
COPY . .
# The settings want a database named (there is no default in production); collectstatic never connects to it.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build-only@localhost/unused python manage.py collectstatic --noinput
RUN useradd --create-home portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "python:vendor_portal.gunicorn", "vendor_portal.wsgi:application"]
