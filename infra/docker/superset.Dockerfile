# Superset 6.1 + duckdb-engine, from the same lock file as .venvs/superset; served by gunicorn.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 SUPERSET_CONFIG_PATH=/opt/observatoire/infra/superset/superset_config.py \
    FLASK_APP="superset.app:create_app()" SUPERSET_LOAD_EXAMPLES=no
RUN pip install --no-cache-dir uv==0.9.* && uv venv --python /usr/local/bin/python3.11 /opt/venv
COPY infra/requirements/superset.lock.txt infra/requirements/docker-extra.txt /tmp/req/
RUN uv pip install --no-cache -r /tmp/req/superset.lock.txt -r /tmp/req/docker-extra.txt
WORKDIR /opt/observatoire
COPY infra/superset infra/superset
COPY infra/docker infra/docker
COPY superset_assets superset_assets
RUN useradd --uid 50001 --home-dir /var/lib/superset --create-home superset
USER superset
