# Every target creates .venv on first use, so a fresh clone needs only Python 3.11+ and make.
# The Python that builds .venv: the newest CPython from 3.14 down to PYTHON_CEILING, on PATH
# or in pyenv (scripts/pick_python.py runs each candidate and says which it picked).
# `PYTHON=python3.11 make ...` chooses one yourself. An existing .venv is kept as it is.
PYTHON_CEILING ?= 3.14
PYTHON ?= $(shell python3 scripts/pick_python.py --ceiling $(PYTHON_CEILING) || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# How many times the known-wrong-solution checks repeat. `make test-mutants` uses 20.
REPEATS ?= 2
# Worker processes for `make grade`; SCHEDULER=tcp://host:8786 grades on a Dask cluster.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SCHEDULER ?=

.PHONY: help venv lab release demo test test-mutants test-mutation lint grade matrix bench-grading student-bundle hub clean

help:
	@echo "make demo          release every assignment and grade the sample submissions"
	@echo "make test          run every check (exits non-zero on any failure)"
	@echo "make lab           open JupyterLab on the course"
	@echo "make release       regenerate release/ from source/"
	@echo "make test-mutants  the known-wrong-solution checks, 20 runs each"
	@echo "make test-mutation mutmut over the reference solutions -> docs/mutation.md (MINUTES=30 NAMES="04_gil ...")"
	@echo "make grade ASSIGNMENT=01_threads JOBS=4   autograde submitted/ in parallel into the gradebook"
	@echo "make student-bundle  build/student-bundle.tar.gz: lessons, student copies, coursekit (self-study)"
	@echo "make hub           (as root) the course on a real JupyterHub at http://127.0.0.1:8000, Ctrl-C stops it"
	@echo "make matrix        notebooks and autograder tests on Python 3.11, 3.12, 3.13 (nox),"
	@echo "                   and on free-threaded 3.13t/3.14t when found (else skipped, with the reason)"
	@echo "make venv          build .venv with the newest CPython 3.14..3.11 found (PYTHON=python3.11 to choose)"

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -c constraints.txt
	# Make the `autograder` package importable in every kernel the venv starts.
	$(BIN)/python -c 'import os, sysconfig; open(os.path.join(sysconfig.get_paths()["purelib"], "concurrency_course.pth"), "w").write(os.getcwd() + "\n")'
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab

hub: $(STAMP)
	$(BIN)/python scripts/hub.py

release: $(STAMP)
	$(BIN)/python -m autograder release

demo: $(STAMP)
	$(BIN)/python -m autograder demo

test: $(STAMP)
	$(BIN)/ruff check autograder coursekit tests scripts
	AUTOGRADER_REPEATS=$(REPEATS) $(BIN)/python -m pytest -rs --durations=30 tests
	AUTOGRADER_STRICT=1 MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env notebooks source

test-mutants: $(STAMP)
	AUTOGRADER_REPEATS=20 $(BIN)/python -m pytest tests/test_mutants.py

# Mutation testing of the reference solutions (slow; not part of `make test`).
MINUTES ?= 30
test-mutation: $(STAMP)
	$(BIN)/python -m pip install -q -r requirements-mutation.txt
	nice -n 10 $(BIN)/python scripts/mutation.py --minutes $(MINUTES) $(NAMES)

lint: $(STAMP)
	$(BIN)/ruff check autograder tests notebooks source
	$(BIN)/ruff format --check autograder tests

grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=01_threads [JOBS=4] [SCHEDULER=tcp://host:8786]"; exit 2; }
	$(BIN)/python -m autograder autograde $(ASSIGNMENT) --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

bench-grading: $(STAMP)
	$(BIN)/python scripts/bench_grading.py --jobs $(JOBS)

student-bundle: $(STAMP)
	$(BIN)/python scripts/student_bundle.py

matrix: $(STAMP)
	$(BIN)/nox

clean:
	rm -rf build autograded feedback grades.csv
