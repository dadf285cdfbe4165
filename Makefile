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
$(PIPE)/.installed: $(REQ)/pipeline.lock.txt pyproject.toml
	command -v uv >/dev/null || python3.11 -m pip install -q uv
	[ -x $(PIPE_PY) ] || uv venv -q --python python3.11 $(PIPE)
	VIRTUAL_ENV=$(PIPE) uv pip install -q -r $(REQ)/pipeline.lock.txt
	VIRTUAL_ENV=$(PIPE) uv pip install -q --no-deps -e .
	touch $@

$(SUPER)/.installed: $(REQ)/superset.lock.txt
	command -v uv >/dev/null || python3.11 -m pip install -q uv
	[ -x $(SUPER)/bin/python ] || uv venv -q --python python3.11 $(SUPER)
	VIRTUAL_ENV=$(SUPER) uv pip install -q -r $(REQ)/superset.lock.txt
	touch $@

/usr/bin/chromium:
	bash infra/install_chromium.sh

setup: $(PIPE)/.installed $(SUPER)/.installed /usr/bin/chromium ## install what is missing (venvs, chromium)

.PHONY: help setup
