# Two commands do everything on a fresh clone:
#   make run    the main job: every suite against the embedded pch-sig reference target, report in reports/
#   make test   the harness's own tests
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup setup-run run test lint bench catalogue

# Two install steps: the main job needs only the runtime dependencies (as `pip install authconform`
# gives a user); the harness's own tests add the dev tools and the real peer servers (Django, Flask, Playwright).
setup-run: $(VENV)/.installed-run
setup: $(VENV)/.installed

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet -e '.[dev,peers]'
	touch $@

run: setup-run
	$(BIN)/authconform run

test: setup
	$(BIN)/python -m pytest -n 2 tests

lint: setup
	$(BIN)/ruff check src suites tests bench conftest.py

catalogue: setup
	$(BIN)/python -c "import re,subprocess;s=open('README.md').read();t=subprocess.run(['$(BIN)/authconform','list','--format','markdown'],capture_output=True,text=True,check=True).stdout;open('README.md','w').write(re.sub(r'<!-- catalogue:start -->.*<!-- catalogue:end -->','<!-- catalogue:start -->\n'+t+'<!-- catalogue:end -->',s,flags=re.S))"

bench: setup
	$(BIN)/python bench/bench.py --repeat 5 --write-readme
