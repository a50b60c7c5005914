# Newsdesk QA: `make run` starts the product on seeds/, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
RAG := $(VENV)/bin/rag
STAMP := $(VENV)/.installed
# The LLM tests' server is llama.cpp, built from source by the llm-test extra. Its default is a
# native build (-march=native): it then uses every instruction set of the build machine, AMX
# included, and llama.cpp's AMX matrix multiply segfaults on any prompt of more than one token
# (issue 23). The flags below build for a fixed x86-64 baseline (SSE4.2, AVX, AVX2, FMA, F16C,
# BMI2; no AVX-512, no AMX) that every machine of this project has. This is the only place they
# are set; `make test` and `.ci/run` (which runs `make test`) both build with them.
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_REQUIREMENT := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml)
# The llama.cpp stamp's name carries the checksum of the version and flags: other flags mean a new
# build in the same venv; a change of pyproject.toml alone does not rebuild it (minutes).
LLAMA_STAMP := $(VENV)/.llama-$(shell printf '%s' '$(LLAMA_REQUIREMENT) $(LLAMA_CMAKE_ARGS)' | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev
# torch==2.13.0 first: the CPU wheel on this machine's disk (a bare requirement pulls CUDA).
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q

.PHONY: run test lint ingest bench eval eval-heldout calibrate train-reader clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e .
	touch $@

# llm-test: a real OpenAI-compatible server (llama.cpp, built from source: ~5 min) and a tiny model.
$(LLAMA_STAMP): | $(PY)
	@# --no-cache-dir: pip's wheel cache keys a source build on its version, not on CMAKE_ARGS, so
	@# it would hand back a wheel built earlier with other (native) flags.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP_INSTALL) --no-cache-dir --force-reinstall --no-deps "$(LLAMA_REQUIREMENT)"
	printf '%s\n' '$(LLAMA_CMAKE_ARGS)' > $(VENV)/llama-cmake-args
	touch $@

$(DEV_STAMP): pyproject.toml $(LLAMA_STAMP) | $(PY)
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e ".[dev,llm-test,distributed]"
	touch $@ $(STAMP)

ingest: $(STAMP)
	$(RAG) ingest seeds

run: ingest
	@echo
	@echo "Indexed seeds/. Open http://127.0.0.1:7860/ for the chat (API docs at /docs)."
	@echo "From the command line: $(RAG) ask \"What did Witkoff say?\""
	$(RAG) serve

# Two workers, one a core (pytest-xdist); `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= 2
test: $(DEV_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check rag ui evals tests bench
	$(VENV)/bin/ruff format --check rag ui evals tests bench
	$(VENV)/bin/mypy rag ui evals

# Benchmarks (not tests; ~25 min on 2 cores): results in bench/results/, a >20% slowdown
# against the last saved run is flagged. Bigger corpora: $(PY) bench/scale.py 10000
bench: $(STAMP)
	$(PY) bench/embed.py
	$(PY) bench/scale.py seeds 1000 --baseline --chroma-server
	$(PY) bench/load.py --clients 20 --seconds 30
	$(PY) bench/load.py --clients 100 --seconds 30

# The full golden suite, extractive mode, heuristic judge, with the baseline row and the judge check.
eval: ingest
	$(RAG) eval --suite evals/golden.jsonl --mode extractive --baseline --check-judge --quotes

# The held-out corpora (evals/heldout*_corpus/: articles nothing the product fits was made from),
# each in an index of its own, and their questions (evals/heldout*.jsonl).
HELDOUT_SUITES := $(sort $(patsubst evals/%_corpus,%,$(wildcard evals/heldout*_corpus)))
eval-heldout: $(STAMP)
	for s in $(HELDOUT_SUITES); do \
	  export RAG_CORPUS_DIR=evals/$${s}_corpus RAG_INDEX_DIR=.index-$$s; \
	  $(RAG) ingest evals/$${s}_corpus && $(RAG) eval --suite evals/$$s.jsonl --mode extractive || exit 1; \
	done

clean:
	rm -rf .index .index-heldout* .pytest_cache tests/artifacts

# Refit the answerability model (rag/components/answerability.json) on the golden dev split; then `make eval`.
calibrate: ingest
	$(PY) -m evals.calibrate

# Retrain the answer reader (rag/components/reader.int8.onnx) on SQuAD 2.0 from ../shared/data/squad2/
# and the golden fitting pool (dev, test3..test6; seeded; ~55 min on 2 cores; model card:
# docs/reader-model.md), then `make eval`.
train-reader: $(STAMP)
	$(PY) -m evals.train_reader
