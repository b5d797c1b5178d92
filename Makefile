# The two commands: `make run` (the portal with demo data) and `make test`
# (the whole suite). Both install what they need on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: run test accessibilite screenshots setup bench bench-mailer messages clean-demo

run: setup
	@bash tools/ensure-services.sh broker redis
	$(PY) -m deploy.local.run

# The suite runs in parallel processes, one test file per process at a time (a
# file's services start once for all its tests). Most of a test's time is spent
# waiting on services, so three processes fit two cores. Files are handed out in
# the order collected (tests/fixtures.py: those that start processes of their own
# first), not by their number of tests as pytest-xdist would: a file of one long
# test would otherwise start last.
TEST_WORKERS ?= 3
PARALLEL = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
test: setup node_modules/.installed-stamp
	@bash tools/ensure-services.sh broker postgres redis browser kubectl_cli
	$(PY) -m pytest $(PARALLEL) --durations=15

# The accessibility statement (docs/accessibilite.md): the browser tests, then the
# statement written anew from their results (gateway/areas/pages/accessibilite.json).
# `make test` fails when the committed statement no longer says what they find.
accessibilite: setup node_modules/.installed-stamp
	@bash tools/ensure-services.sh broker postgres redis browser
	$(PY) -m pytest $(PARALLEL) tests/browser --accessibilite-regenerer

# The browser tests again, saving a screenshot of each page they check under
# var/screenshots/ (README, "In a browser"): for people to look at, so not in `make test`.
screenshots: setup node_modules/.installed-stamp
	@bash tools/ensure-services.sh broker postgres redis browser
	$(PY) -m pytest $(PARALLEL) tests/browser --screenshots

setup: $(VENV)/.installed-stamp node_modules/.installed-stamp
	@$(PY) -m gateway.assets >/dev/null  # the pages' stylesheet and script (gateway/assets.py); quick when unchanged

# A venv that no longer runs (moved, or its Python gone) is rebuilt from scratch,
# and so is one that pip cannot install into (an install interrupted half-way
# leaves packages without metadata, which pip then trips on).
PIP_INSTALL = $(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
$(VENV)/.installed-stamp: requirements.txt requirements-dev.txt
	@$(PY) -c '' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PIP_INSTALL) || { echo "pip failed: rebuilding $(VENV) from scratch"; rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV) && $(PIP_INSTALL); }
	@touch $@

# The DSFR comes from the npm registry at the version pinned in package-lock.json
# (its preinstall script wants a project file of its own; nothing of it is needed).
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

bench: setup
	@bash tools/ensure-services.sh broker
	$(PY) -m bench.rpc_roundtrip
	$(PY) -m bench.notes_pages
	$(PY) -m bench.vie_scolaire_pages
	$(PY) -m bench.fiche_pages
	$(PY) -m bench.lsl_pages
	$(PY) -m bench.bourses_pages
	$(PY) -m bench.inscription_pages --students 300
	$(PY) -m bench.home_page
	$(PY) -m bench.page_weight
	$(PY) -m bench.mailer
	@bash tools/ensure-services.sh postgres redis
	$(PY) -m bench.deployment
	$(PY) -m bench.evening_peak
	$(PY) -m bench.rentree

bench-mailer: setup
	@bash tools/ensure-services.sh broker
	$(PY) -m bench.mailer

# Extract the user-facing strings for translators (docs/ui.md).
messages: setup
	mkdir -p gateway/translations
	$(VENV)/bin/pybabel extract -F gateway/babel.cfg -k _l -k lazy_gettext -o gateway/translations/messages.pot .

clean-demo:
	rm -rf var/
