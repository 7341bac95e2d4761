# Two commands do all the set-up on a fresh clone:
#   make serve   -> creates .venv, trains the bundled skill on first run, starts the bot
#   make test    -> creates .venv, runs ruff, the layering contract and the whole test suite
#
# torch is installed first, pinned. On a GPU machine pick a CUDA build, for example:
#   make serve TORCH_INDEX=https://download.pytorch.org/whl/cu126

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
EXTRAS ?= dev,redis,deploy,notebooks,onnx
SKILL ?= bank_en

BIN := $(VENV)/bin
STAMP := $(VENV)/.skills-installed-$(EXTRAS)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install serve chat test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" -c deploy/requirements.txt
	touch $(STAMP)

# checkov scans the manifests in the tests; it pins old networkx/packaging, so it gets its own venv.
CHECKOV := .venv-checkov/.installed
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet checkov==3.3.30
	touch $(CHECKOV)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/skills serve $(SKILL)

chat: $(STAMP)
	$(BIN)/skills chat $(SKILL)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check skills_core tests benchmarks
	$(BIN)/lint-imports

test: lint $(CHECKOV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .venv-checkov .skills .pytest_cache .ruff_cache
