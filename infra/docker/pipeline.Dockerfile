# Airflow 3 + dbt + the observatoire package, from the same lock file as .venvs/pipeline.
# Build from the repository root: docker compose build (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.9.* && uv venv --python /usr/local/bin/python3.11 /opt/venv
# pipeline-image.txt: asyncpg (Airflow 3's async engine on PostgreSQL) and the Celery provider (profile `celery`).
COPY infra/requirements/pipeline.lock.txt infra/requirements/docker-extra.txt infra/requirements/pipeline-image.txt /tmp/req/
RUN uv pip install --no-cache -r /tmp/req/pipeline.lock.txt -r /tmp/req/docker-extra.txt -r /tmp/req/pipeline-image.txt
WORKDIR /opt/observatoire
COPY pyproject.toml README.md ./
COPY core core
COPY observatoire observatoire
COPY extract extract
COPY dags dags
COPY dbt_project dbt_project
COPY data data
COPY infra infra
RUN uv pip install --no-cache --no-deps -e . \
    && useradd --uid 50000 --home-dir /opt/airflow --create-home airflow \
    && mkdir -p /data/var/portraits && chown -R airflow /data/var /opt/airflow /opt/observatoire/dbt_project
USER airflow
