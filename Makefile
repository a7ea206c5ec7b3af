# trashseg_nb: the two commands of the README, and the helpers behind them.
#   make demo   the main job end to end on the default data (creates .venv and installs on first use)
#   make test   every notebook's tests through nbdev_test, plus the README check
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-stamp
SHARED_DATA := ../shared/data/taco-recycle
export NO_ALBUMENTATIONS_UPDATE := 1
export WANDB_MODE ?= offline
export PYTHONHASHSEED := 0
DEMO_EPOCHS ?= 3

.PHONY: help install data browser demo test readme notebooks sync-check clean-cache

help:
	@echo "make demo    run the main job on the default data (data/taco-recycle or \$$TRASHSEG_DATA)"
	@echo "make test    install if needed and run all notebook tests (nbdev_test) and the README check"
	@echo "make readme  render README.md from nbs/index.ipynb"
	@echo "make notebooks  execute the notebooks whose code changed and save their outputs (ALL=1: every one)"

# Install once into $(VENV); reinstall when the package settings change.
# torch/torchvision first: pinned releases that the local wheel cache serves (any other torch downloads GBs).
install: $(STAMP)
$(STAMP): settings.ini setup.py
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip check
	@touch $(STAMP)

# data/taco-recycle: link the shared default data set when it lies beside the checkout.
data:
	@if [ -n "$$TRASHSEG_DATA" ]; then echo "data: using TRASHSEG_DATA=$$TRASHSEG_DATA"; \
	elif [ -e data/taco-recycle ]; then echo "data: data/taco-recycle is present"; \
	elif [ -d $(SHARED_DATA) ]; then ln -s ../$(SHARED_DATA) data/taco-recycle && echo "data: linked data/taco-recycle -> $(SHARED_DATA)"; \
	else echo "data: no data found. Put the competition layout (train_all.json, test.json, image folders) in"; \
	     echo "      data/taco-recycle, or set TRASHSEG_DATA=/path/to/data (see data/README.md)."; exit 1; fi

# Chromium for the viewer's browser test (16_viz): Debian's package when apt-get is there and we are root,
# since Playwright's own browser download is not reachable here; without one that test is skipped with a message.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then echo "browser: $$(command -v chromium || command -v chromium-browser)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	then echo "browser: installed Debian's chromium"; \
	else echo "browser: no Chromium (apt-get install chromium); the viewer's browser test will be skipped"; fi

demo: install data
	$(BIN)/trashseg_main --epochs $(DEMO_EPOCHS) --overwrite

test: install
	@$(MAKE) --no-print-directory data || echo "data: tests on real data will be skipped"
	@$(MAKE) --no-print-directory browser
	$(PY) .ci/render_readme.py --check
	$(PY) .ci/notebooks.py check
	$(BIN)/nbdev_test --do_print --timing

readme: install
	$(PY) .ci/render_readme.py

# execute the numbered notebooks whose code (or the code below them) changed, and save them with their outputs,
# then store the commands' help texts (trashseg_nb/cli_help.json, for a fast --help);
# make notebooks ALL=1 executes every one (e.g. after a change of the default data)
notebooks: install data
	$(PY) .ci/notebooks.py run $(if $(ALL),--all,)
	$(BIN)/nbdev_clean
	$(PY) -c "from trashseg_nb.cli import write_help_file; write_help_file()"   # what --help prints, stored (20_cli)

# notebooks and module in sync, notebooks clean (what GitHub's nbdev-ci checks too)
sync-check: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean
	@git diff --exit-code --stat -- trashseg_nb nbs || { echo "nbdev_export/nbdev_clean changed files: run them and commit"; exit 1; }

clean-cache:
	rm -rf outputs/cache
