# Two commands for a newcomer: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENVS     := .venvs
PIPE      := $(VENVS)/pipeline
SUPER     := $(VENVS)/superset
PIPE_PY   := $(PIPE)/bin/python
REQ       := infra/requirements
export UV_PYTHON_DOWNLOADS := never

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- set-up: each venv is rebuilt only when its lock file changes -----------------------------------
# --compile-bytecode: with PYTHONDONTWRITEBYTECODE=1 (the images, some shells) nothing writes .pyc, and every
# Airflow task process would compile dbt, pandas… again (~5 s of a partner file's 15 s, issue #16).
$(PIPE)/.installed: $(REQ)/pipeline.lock.txt pyproject.toml
	command -v uv >/dev/null || python3.11 -m pip install -q uv
	[ -x $(PIPE_PY) ] || uv venv -q --python python3.11 $(PIPE)
	VIRTUAL_ENV=$(PIPE) uv pip install -q --compile-bytecode -r $(REQ)/pipeline.lock.txt
	VIRTUAL_ENV=$(PIPE) uv pip install -q --no-deps -e .
	touch $@

$(SUPER)/.installed: $(REQ)/superset.lock.txt
	command -v uv >/dev/null || python3.11 -m pip install -q uv
	[ -x $(SUPER)/bin/python ] || uv venv -q --python python3.11 $(SUPER)
	VIRTUAL_ENV=$(SUPER) uv pip install -q --compile-bytecode -r $(REQ)/superset.lock.txt
	touch $@

/usr/bin/chromium:
	bash infra/install_chromium.sh

setup: $(PIPE)/.installed $(SUPER)/.installed /usr/bin/chromium ## install what is missing (venvs, chromium)

# --- the two commands -------------------------------------------------------------------------------
DEMO_ENV := var/demo.env

$(DEMO_ENV):
	mkdir -p var
	umask 077; python3 -c 'import secrets; print(f"SUPERSET_SECRET_KEY={secrets.token_hex(32)}"); \
	  pw = secrets.token_urlsafe(14); print(f"SUPERSET_ADMIN_PASSWORD={pw}"); \
	  print("SUPERSET_URL=http://127.0.0.1:$(or $(SUPERSET_PORT),8088)"); print("SUPERSET_SERVICE_USER=admin"); \
	  print(f"SUPERSET_SERVICE_PASSWORD={pw}")' > $@

# Airflow's admin password, added to a var/demo.env written before the stack existed.
demo-airflow-env: $(DEMO_ENV)
	grep -q '^AIRFLOW_ADMIN_PASSWORD=' $(DEMO_ENV) || { umask 077; \
	  python3 -c 'import secrets; print(f"AIRFLOW_ADMIN_PASSWORD={secrets.token_urlsafe(14)}")' >> $(DEMO_ENV); }

demo: setup demo-airflow-env ## set up, start Airflow (its first refresh publishes the warehouse), serve the dashboards
	# The stack gets var/demo.env too: each publish of a scheduled run then refreshes Superset's cache
	# (SUPERSET_URL, service account: observatoire/dashboards.py); the first one warns, Superset is not up yet.
	set -a; . ./$(DEMO_ENV); set +a; infra/airflow/stack.sh start refresh
	$(PIPE)/bin/observatoire status
	$(PIPE)/bin/python infra/superset/build_docs.py
	set -a; . ./$(DEMO_ENV); set +a; \
	  infra/superset/init.sh && \
	  SUPERSET_USERS_FILE="$$PWD/var/demo_users.json" infra/superset/import_assets.sh "$$PWD/var/warehouse/observatoire.duckdb" && \
	  { infra/superset/serve.sh stop || true; } && infra/superset/serve.sh start && \
	  echo && echo "Tableaux de bord : http://127.0.0.1:$(or $(SUPERSET_PORT),8088)/superset/dashboard/panorama-social/" && \
	  echo "Connexion        : admin / $$SUPERSET_ADMIN_PASSWORD   (mot de passe de démonstration, dans $(DEMO_ENV))" && \
	  echo "Comptes exemples : var/demo_users.json (COPIL, analyste, un gestionnaire par territoire d'action)" && \
	  echo "Documentation    : http://127.0.0.1:$(or $(SUPERSET_PORT),8088)/observatoire-docs/" && \
	  echo "Entrepôt publié  : $$PWD/var/warehouse/observatoire.duckdb (schéma marts, lecture seule)" && \
	  echo "Airflow          : http://127.0.0.1:$${AIRFLOW_PORT:-8080}/  (connexion admin / $$AIRFLOW_ADMIN_PASSWORD, dans $(DEMO_ENV))" && \
	  echo "Boîte de dépôt   : $$PWD/var/inbox/<code partenaire>/<fichier>  (partner_intake la surveille)" && \
	  echo "État             : make status      Tout arrêter : make stop"

stop: ## stop everything make demo left running (Airflow stack, Superset)
	infra/airflow/stack.sh stop
	if [ -f $(DEMO_ENV) ]; then set -a; . ./$(DEMO_ENV); set +a; infra/superset/serve.sh stop; fi

status: $(PIPE)/.installed ## what runs (Airflow processes, Superset), what is published, each DAG's last and next run
	-infra/airflow/stack.sh status
	-if [ -f $(DEMO_ENV) ]; then set -a; . ./$(DEMO_ENV); set +a; infra/superset/serve.sh status; fi
	-$(PIPE)/bin/observatoire status

lint: $(PIPE)/.installed ## ruff (Python) and sqlfluff (dbt SQL)
	$(PIPE)/bin/ruff check .
	$(PIPE)/bin/sqlfluff lint dbt_project/models dbt_project/tests --disable-progress-bar --nocolor

test: setup lint ## lint, then every test: unit, dbt build, Airflow end-to-end, Superset API and browser
	$(PIPE)/bin/pytest -q -p no:cacheprovider --durations=15

refresh: $(PIPE)/.installed ## refresh the warehouse by hand (offline), without Airflow
	$(PIPE)/bin/observatoire refresh

bench: $(PIPE)/.installed $(SUPER)/.installed ## print refresh timings (bare, Airflow), chart latencies, national scale
	$(PIPE)/bin/python bench/refresh.py
	$(PIPE)/bin/python bench/dashboards.py
	$(PIPE)/bin/python bench/scale.py

docs: $(PIPE)/.installed ## dbt docs (lineage, data dictionary) + mart contract into var/docs, served at /observatoire-docs/
	$(PIPE)/bin/python infra/superset/build_docs.py

.PHONY: help setup demo demo-airflow-env stop status lint test refresh bench docs
