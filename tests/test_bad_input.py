"""Bad input to every public constructor, function and CLI: one clear error naming the parameter.

``CASES`` enumerates wrong types, out-of-range widths, unknown names and mismatched shapes as
``(id, callable, expected exception, message regex)``; ``CLI_CASES`` the same for the command
lines, which must print a one-line ``PROG: error: ...`` after the usage and exit with status 2,
never a traceback. Hypothesis covers the numeric ranges: every width outside the accepted range
raises a ValueError naming it, every width inside constructs.
"""

from __future__ import annotations

import math
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lnsgen.golden.accumulate as acc
import lnsgen.golden.converters as conv
import lnsgen.golden.funcapprox as fa
import lnsgen.golden.gaussian as gauss
from lnsgen import golden
from lnsgen.cli import main
from lnsgen.golden import LNSFormat
from lnsgen.golden.ieee import FP16, FP32, FloatFormat
from lnsgen.hdl import (
    FloatToLNSConverter,
    LNSAccumulator,
    LNSAdder,
    LNSMultiplier,
    LNSMultiplyAdd,
    LNSToFloatConverter,
    float_layout,
)
from lnsgen.spec import SpecError, UnitSpec, resolve
from lnsgen.verification.runner import run_bench
from lnsgen.verification.soak import run_soak

F8 = LNSFormat(int_bits=3, frac_bits=4)
MUL8 = UnitSpec("mul", fmt=F8)
FUNC = fa.FixedFunction("f", np.sin, 0, 10, 4, 4)
FMT_TYPE = r"fmt must be a golden\.LNSFormat, not "
CODES_RANGE = r"must hold codes in \[0, 255\]"


def case(id_, fn, exc, match):
    return pytest.param(fn, exc, match, id=id_)


CASES = [
    # golden.LNSFormat ------------------------------------------------------------------------
    case("format-int-str", lambda: LNSFormat("5", 10), TypeError, r"int_bits must be an integer in \[1, 10\], not '5'"),
    case("format-int-float", lambda: LNSFormat(5.0, 10), TypeError, r"int_bits must be an integer in \[1, 10\], not 5\.0"),
    case("format-int-bool", lambda: LNSFormat(True, 10), TypeError, r"int_bits must be an integer"),
    case("format-frac-none", lambda: LNSFormat(5, None), TypeError, r"frac_bits must be an integer in \[1, 23\], not None"),
    case("format-int-zero", lambda: LNSFormat(0, 10), ValueError, r"int_bits must be an integer in \[1, 10\], not 0"),
    case("format-frac-negative", lambda: LNSFormat(5, -1), ValueError, r"frac_bits must be an integer in \[1, 23\], not -1"),
    case("format-int-too-wide", lambda: LNSFormat(11, 4), ValueError, r"int_bits must be an integer in \[1, 10\], not 11"),
    case("format-frac-too-wide", lambda: LNSFormat(3, 24), ValueError, r"frac_bits must be an integer in \[1, 23\], not 24"),
    case("format-width-over-32", lambda: LNSFormat(10, 23), ValueError, r"int_bits \+ frac_bits must be at most 31"),
    # from_float / to_float ---------------------------------------------------------------------
    case("from_float-fmt", lambda: golden.from_float(None, 1.0), TypeError, FMT_TYPE + "None"),
    case("from_float-fmt-tuple", lambda: golden.from_float((5, 10), 1.0), TypeError, FMT_TYPE),
    case("from_float-str", lambda: golden.from_float(F8, "1.5"), TypeError, r"x must hold real numbers .*string"),
    case("from_float-complex", lambda: golden.from_float(F8, 1 + 2j), TypeError, r"x must hold real numbers .*complex"),
    case("from_float-complex-array", lambda: golden.from_float(F8, np.array([1 + 0j])), TypeError, r"x must hold real numbers .*complex"),
    case("from_float-object", lambda: golden.from_float(F8, [1.0, None]), TypeError, r"x must hold real numbers .*non-numeric"),
    case("from_float-ragged", lambda: golden.from_float(F8, [[1.0], [1.0, 2.0]]), ValueError, r"x must be an array_like .*regular shape"),
    case("from_float-huge-int", lambda: golden.from_float(F8, [10**400]), ValueError, r"x holds an integer too large for float64"),
    case("from_float-nan-rule", lambda: golden.from_float(F8, 1.0, nan="ignore"), ValueError, r"nan must be one of \('raise', 'zero'\), not 'ignore'"),
    case("from_float-nan-rule-type", lambda: golden.from_float(F8, 1.0, nan=0), ValueError, r"nan must be one of"),
    case("to_float-fmt", lambda: golden.to_float(3, 1), TypeError, FMT_TYPE + "3"),
    case("to_float-float-code", lambda: golden.to_float(F8, 1.5), TypeError, r"code must be an integer array"),
    case("to_float-str-code", lambda: golden.to_float(F8, "a"), TypeError, r"code must be an integer array"),
    case("to_float-negative", lambda: golden.to_float(F8, -1), ValueError, r"code " + CODES_RANGE),
    case("to_float-too-wide", lambda: golden.to_float(F8, 256), ValueError, r"code " + CODES_RANGE),
    # mul / div / neg / abs ---------------------------------------------------------------------
    case("mul-fmt", lambda: golden.mul(None, 1, 2), TypeError, FMT_TYPE + "None"),
    case("mul-float", lambda: golden.mul(F8, 1.0, 2), TypeError, r"a must be an integer array"),
    case("mul-range", lambda: golden.mul(F8, 1, 999), ValueError, r"b " + CODES_RANGE),
    case("mul-shapes", lambda: golden.mul(F8, [1, 2], [1, 2, 3]), ValueError, r"a and b must have shapes that broadcast together; got a \(2,\), b \(3,\)"),
    case("div-fmt", lambda: golden.div("lns8", 1, 2), TypeError, FMT_TYPE),
    case("div-shapes", lambda: golden.div(F8, np.ones((2, 3), int), np.ones((4,), int)), ValueError, r"a and b must have shapes that broadcast"),
    case("div-range", lambda: golden.div(F8, -3, 1), ValueError, r"a " + CODES_RANGE),
    case("neg-fmt", lambda: golden.neg(None, 1), TypeError, FMT_TYPE),
    case("neg-range", lambda: golden.neg(F8, 999), ValueError, r"code " + CODES_RANGE),
    case("abs-fmt", lambda: golden.abs(None, 1), TypeError, FMT_TYPE),
    # add / sub / addsub ------------------------------------------------------------------------
    case("add-fmt", lambda: golden.add(None, 1, 2), TypeError, FMT_TYPE),
    case("add-shapes", lambda: golden.add(F8, [1, 2], [1, 2, 3]), ValueError, r"a and b must have shapes that broadcast"),
    case("add-method", lambda: golden.add(F8, 1, 2, method="table"), ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\), not 'table'"),
    case("add-method-type", lambda: golden.add(F8, 1, 2, method=None), ValueError, r"method must be one of"),
    case("add-max-error-low", lambda: golden.add(F8, 1, 2, max_error=0.5), ValueError, r"max_error must be in \[0\.51, 4\] ulp, not 0\.5"),
    case("add-max-error-high", lambda: golden.add(F8, 1, 2, max_error=4.5), ValueError, r"max_error must be in \[0\.51, 4\] ulp"),
    case("add-max-error-nan", lambda: golden.add(F8, 1, 2, max_error=math.nan), ValueError, r"max_error must be in \[0\.51, 4\] ulp"),
    case("add-max-error-str", lambda: golden.add(F8, 1, 2, max_error="1"), TypeError, r"max_error must be a number in \[0\.51, 4\] ulp, not '1'"),
    case("add-max-error-list", lambda: golden.add(F8, 1, 2, max_error=[1]), TypeError, r"max_error must be a number"),
    case("sub-range", lambda: golden.sub(F8, 1, 256), ValueError, r"b " + CODES_RANGE),
    case("addsub-op-2", lambda: golden.addsub(F8, 1, 2, 2), ValueError, r"op must be 0 \(add\) or 1 \(subtract\)"),
    case("addsub-op-negative", lambda: golden.addsub(F8, 1, 2, -1), ValueError, r"op must be 0 \(add\) or 1 \(subtract\)"),
    case("addsub-op-float", lambda: golden.addsub(F8, 1, 2, 0.5), TypeError, r"op must hold integers 0 or 1"),
    case("addsub-op-shape", lambda: golden.addsub(F8, [1, 2], [1, 2], [0, 1, 1]), ValueError, r"op must broadcast with the operands"),
    case("muladd-fmt", lambda: golden.muladd(None, 1, 2, 3), TypeError, FMT_TYPE),
    case("muladd-c-range", lambda: golden.muladd(F8, 1, 2, 300), ValueError, r"c " + CODES_RANGE),
    case("muladd-shapes", lambda: golden.muladd(F8, [1, 2], [1, 2], [1, 2, 3]), ValueError, r"a and b and c must have shapes that broadcast together"),
    case("muladd-method", lambda: golden.muladd(F8, 1, 2, 3, method="lut"), ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\), not 'lut'"),
    case("LNSMultiplyAdd-fmt", lambda: LNSMultiplyAdd(16), TypeError, FMT_TYPE + "16"),
    case("LNSMultiplyAdd-max-error", lambda: LNSMultiplyAdd(F8, max_error=0.2), ValueError, r"max_error must be in \[0\.51, 4\] ulp, not 0\.2"),
    # golden.accumulate --------------------------------------------------------------------------
    case("Accumulator-fmt", lambda: acc.Accumulator(None), TypeError, FMT_TYPE),
    case("Accumulator-compensation", lambda: acc.Accumulator(F8, "kahn"), ValueError, r"compensation must be one of \('none', 'kahan', 'neumaier'\), not 'kahn'"),
    case("Accumulator-method", lambda: acc.Accumulator(F8, method="x"), ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\)"),
    case("Accumulator-max-error", lambda: acc.Accumulator(F8, max_error=9), ValueError, r"max_error must be in \[0\.51, 4\]"),
    case("lns_sum-axis", lambda: acc.lns_sum(F8, [1, 2], axis=3), ValueError, r"axis must be an integer in \[-1, 0\], not 3"),
    case("lns_sum-axis-type", lambda: acc.lns_sum(F8, [1, 2], axis=0.0), TypeError, r"axis must be an integer in \[-1, 0\]"),
    case("lns_sum-scalar", lambda: acc.lns_sum(F8, 3), ValueError, r"x must have at least one dimension"),
    case("lns_sum-float", lambda: acc.lns_sum(F8, [1.5]), TypeError, r"x must be an integer array"),
    case("lns_sum-compensation", lambda: acc.lns_sum(F8, [1, 2], compensation="x"), ValueError, r"compensation must be one of"),
    case("interleaved-lanes-zero", lambda: acc.interleaved_sum(F8, [1, 2], 0), ValueError, r"lanes must be a positive integer, not 0"),
    case("interleaved-lanes-float", lambda: acc.interleaved_sum(F8, [1, 2], 2.0), TypeError, r"lanes must be a positive integer, not 2\.0"),
    case("stream_sums-shape", lambda: acc.stream_sums(F8, [1, 2], [1], 5), ValueError, r"last must have the shape of values, \(2,\), not \(1,\)"),
    case("stream_sums-last-values", lambda: acc.stream_sums(F8, [1, 2], [1, 2], 5), ValueError, r"last must hold only 0 or 1"),
    case("stream_sums-last-float", lambda: acc.stream_sums(F8, [1, 2], [0.0, 1.0], 5), TypeError, r"last must hold integers 0 or 1"),
    case("stream_sums-lanes", lambda: acc.stream_sums(F8, [1, 2], [0, 1], -2), ValueError, r"lanes must be a positive integer"),
    case("stream_sums-fmt", lambda: acc.stream_sums(None, [1, 2], [0, 1], 5), TypeError, FMT_TYPE),
    # golden.gaussian ---------------------------------------------------------------------------
    case("GaussianLog-fmt", lambda: gauss.GaussianLog(None, "plus", "interp"), TypeError, FMT_TYPE),
    case("GaussianLog-kind", lambda: gauss.GaussianLog(F8, "times", "interp"), ValueError, r"kind must be 'plus' or 'minus', not 'times'"),
    case("GaussianLog-method", lambda: gauss.GaussianLog(F8, "plus", "spline"), ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\)"),
    case("GaussianLog-max-error", lambda: gauss.GaussianLog(F8, "plus", "interp", max_error=0), ValueError, r"max_error must be in \[0\.51, 4\]"),
    case("gaussian_logs-unhashable", lambda: gauss.gaussian_logs(F8, "interp", [1]), TypeError, r"max_error must be a number"),
    case("gaussian_logs-fmt", lambda: gauss.gaussian_logs("lns8"), TypeError, FMT_TYPE),
    case("evaluate-domain", lambda: gauss.gaussian_logs(F8)[0].evaluate(5), ValueError, r"d must lie in \[-126, 0\] for phi_plus"),
    case("phi_exact-kind", lambda: gauss.phi_exact("times", -1.0), ValueError, r"kind must be one of \('plus', 'minus'\)"),
    # golden.funcapprox --------------------------------------------------------------------------
    case("FixedFunction-empty", lambda: fa.FixedFunction("f", np.sin, 5, 1, 4, 4), ValueError, r"f: empty domain \[5, 1\]"),
    case("FixedFunction-lo-float", lambda: fa.FixedFunction("f", np.sin, 0.5, 1, 4, 4), TypeError, r"lo must be an integer, not 0\.5"),
    case("FixedFunction-frac-negative", lambda: fa.FixedFunction("f", np.sin, 0, 10, -1, 4), ValueError, r"in_frac must be an integer in \[0, 40\], not -1"),
    case("FixedFunction-frac-wide", lambda: fa.FixedFunction("f", np.sin, 0, 10, 4, 41), ValueError, r"out_frac must be an integer in \[0, 40\], not 41"),
    case("FixedFunction-f", lambda: fa.FixedFunction("f", 3, 0, 10, 4, 4), TypeError, r"f must be a callable"),
    case("FixedFunction-name", lambda: fa.FixedFunction(None, np.sin, 0, 10, 4, 4), TypeError, r"name must be a string"),
    case("FixedFunction-huge", lambda: fa.FixedFunction("f", np.sin, 0, 1 << 41, 4, 4), ValueError, r"hi - lo must be below 2\*\*40"),
    case("DirectTable-func", lambda: fa.DirectTable(3), TypeError, r"func must be a FixedFunction, not 3"),
    case("DirectTable-domain", lambda: fa.DirectTable(FUNC).evaluate(11), ValueError, r"f: inputs must lie in \[0, 10\]"),
    case("PiecewiseLinear-offset", lambda: fa.PiecewiseLinear(FUNC, offset_bits=9, guard_bits=2), ValueError, r"offset_bits must be an integer in \[0, 4\], not 9"),
    case("PiecewiseLinear-offset-float", lambda: fa.PiecewiseLinear(FUNC, offset_bits=1.5, guard_bits=2), TypeError, r"offset_bits must be an integer in \[0, 4\]"),
    case("PiecewiseLinear-guard", lambda: fa.PiecewiseLinear(FUNC, offset_bits=1, guard_bits=17), ValueError, r"guard_bits must be an integer in \[0, 16\], not 17"),
    case("PiecewiseLinear-direction", lambda: fa.PiecewiseLinear(FUNC, offset_bits=1, guard_bits=2, direction=3), ValueError, r"direction must be -1, 0 or 1, not 3"),
    case("fit-max-error-zero", lambda: fa.fit_piecewise_linear(FUNC, max_error=0), ValueError, r"max_error must be above 0 \(output ulps\), not 0"),
    case("fit-max-error-str", lambda: fa.fit_piecewise_linear(FUNC, max_error="1"), TypeError, r"max_error must be a number above 0"),
    case("fit-too-tight", lambda: fa.fit_piecewise_linear(FUNC, max_error=0.1), ValueError, r"f: even a direct table misses max_error=0\.1 ulp"),
    case("DirectTable-rounding", lambda: fa.DirectTable(FUNC, rounding="up"), ValueError, r"rounding must be one of \('nearest', 'odd'\), not 'up'"),
    # golden.ieee / golden.converters / hdl.convert ---------------------------------------------
    case("FloatFormat-exp-str", lambda: FloatFormat("5", 10), TypeError, r"exp_bits must be an integer in \[2, 8\], not '5'"),
    case("FloatFormat-exp-one", lambda: FloatFormat(1, 10), ValueError, r"exp_bits must be an integer in \[2, 8\], not 1"),
    case("FloatFormat-exp-wide", lambda: FloatFormat(11, 52), ValueError, r"exp_bits must be an integer in \[2, 8\], not 11"),
    case("FloatFormat-man-zero", lambda: FloatFormat(5, 0), ValueError, r"man_bits must be an integer in \[1, 23\], not 0"),
    case("FloatFormat-man-bool", lambda: FloatFormat(5, True), TypeError, r"man_bits must be an integer in \[1, 23\]"),
    case("FloatFormat-decode-range", lambda: FP16.decode(1 << 16), ValueError, r"word must hold words in \[0, 65535\] for fp16"),
    case("FloatFormat-decode-negative", lambda: FP16.decode([-1, 0]), ValueError, r"word must hold words in \[0, 65535\]"),
    case("FloatFormat-decode-float", lambda: FP16.decode(1.5), TypeError, r"word must be an integer array of fp16 words"),
    case("float_to_lns-fmt", lambda: conv.float_to_lns(None, FP16, 0), TypeError, FMT_TYPE + "None"),
    case("float_to_lns-src", lambda: conv.float_to_lns(F8, "fp16", 0), TypeError, r"src must be a golden\.ieee\.FloatFormat, not 'fp16'"),
    case("float_to_lns-method", lambda: conv.float_to_lns(F8, FP16, 0, method="table"), ValueError, r"method must be one of \('auto', 'direct', 'interp'\), not 'table'"),
    case("float_to_lns-max-error", lambda: conv.float_to_lns(F8, FP16, 0, max_error=0.5), ValueError, r"max_error must be in \[0\.6, 4\] ulp, not 0\.5"),
    case("float_to_lns-max-error-list", lambda: conv.float_to_lns(F8, FP16, 0, max_error=[1]), TypeError, r"max_error must be a number in \[0\.6, 4\] ulp"),
    case("float_to_lns-direct-fp32", lambda: conv.float_to_lns(F8, FP32, 0, method="direct"), ValueError, r"method='direct' needs a table of 8,388,608 entries .*at most 65,536 .*use method='interp'"),
    case("float_to_lns-word", lambda: conv.float_to_lns(F8, FP16, [0, 70000]), ValueError, r"word must hold words in \[0, 65535\]"),
    case("lns_to_float-dst", lambda: conv.lns_to_float(F8, 16, 0), TypeError, r"dst must be a golden\.ieee\.FloatFormat, not 16"),
    case("lns_to_float-code", lambda: conv.lns_to_float(F8, FP16, 256), ValueError, r"code " + CODES_RANGE),
    case("lns_to_float-direct-big", lambda: conv.lns_to_float(LNSFormat(3, 17), FP32, 0, method="direct"), ValueError, r"method='direct' needs a table of 131,072 entries"),
    case("FloatToLNSConverter-src", lambda: FloatToLNSConverter(F8, None), TypeError, r"src must be a golden\.ieee\.FloatFormat, not None"),
    case("FloatToLNSConverter-fmt", lambda: FloatToLNSConverter(FP16, FP16), TypeError, FMT_TYPE),
    case("LNSToFloatConverter-method", lambda: LNSToFloatConverter(F8, FP16, method="rom"), ValueError, r"method must be one of \('auto', 'direct', 'interp'\)"),
    case("LNSToFloatConverter-latency", lambda: LNSToFloatConverter(F8, FP16, latency=4), ValueError, r"latency must be one of \(5, 6, 7, 8\), not 4"),
    case("FloatToLNSConverter-latency", lambda: FloatToLNSConverter(F8, FP16, latency=True), ValueError, r"latency must be one of \(5, 6, 7, 8\), not True"),
    case("spec-converter-latency", lambda: UnitSpec("from-float", latency=9), SpecError, r"latency must be an integer in \[5, 8\], not 9"),
    case("LNSToFloatConverter-max-error", lambda: LNSToFloatConverter(F8, FP16, max_error=5), ValueError, r"max_error must be in \[0\.6, 4\] ulp"),
    case("float_layout-type", lambda: float_layout((5, 10)), TypeError, r"ffmt must be a golden\.ieee\.FloatFormat, not \(5, 10\)"),
    case("fit-guard-bits", lambda: fa.fit_piecewise_linear(FUNC, max_error=1, guard_bits=[20]), ValueError, r"guard_bits must be an integer in \[0, 16\], not 20"),
    # hdl components and the unit catalogue ----------------------------------------------------------
    case("LNSMultiplier-fmt", lambda: LNSMultiplier(None), TypeError, FMT_TYPE + "None"),
    case("LNSMultiplier-divide", lambda: LNSMultiplier(F8, divide=1), TypeError, r"divide must be a bool, not 1"),
    case("LNSAdder-fmt", lambda: LNSAdder(16), TypeError, FMT_TYPE + "16"),
    case("LNSAdder-method", lambda: LNSAdder(F8, method="cordic"), ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\), not 'cordic'"),
    case("LNSAdder-max-error", lambda: LNSAdder(F8, max_error=0.25), ValueError, r"max_error must be in \[0\.51, 4\] ulp, not 0\.25"),
    case("LNSAdder-max-error-type", lambda: LNSAdder(F8, max_error="1"), TypeError, r"max_error must be a number"),
    case("LNSAccumulator-fmt", lambda: LNSAccumulator((3, 4)), TypeError, FMT_TYPE),
    case("LNSAccumulator-compensated", lambda: LNSAccumulator(F8, compensated="yes"), TypeError, r"compensated must be a bool, not 'yes'"),
    case("LNSAccumulator-method", lambda: LNSAccumulator(F8, method="x"), ValueError, r"method must be one of"),
    case("LNSAccumulator-max-error", lambda: LNSAccumulator(F8, max_error=9), ValueError, r"max_error must be in \[0\.51, 4\]"),
    # lnsgen.spec: unit specs and presets ------------------------------------------------------------
    case("spec-kind", lambda: UnitSpec("fmac"), SpecError, r"unit kind must be one of mul, div, add, .*; not 'fmac'"),
    case("spec-kind-type", lambda: UnitSpec(["mul"]), SpecError, r"unit kind must be one of .*; not \['mul'\]"),
    case("spec-param", lambda: UnitSpec("add", rows=3), SpecError, r"unit kind 'add' has no parameter 'rows' \(its parameters: int_bits, frac_bits, method, max_error, adder_latency\)"),
    case("spec-int-bits", lambda: UnitSpec("mul", int_bits=0), SpecError, r"int_bits must be an integer in \[1, 10\], not 0"),
    case("spec-int-bits-type", lambda: UnitSpec("mul", int_bits="5"), SpecError, r"int_bits must be an integer in \[1, 10\], not '5'"),
    case("spec-width", lambda: UnitSpec("mul", int_bits=10, frac_bits=23), SpecError, r"int_bits \+ frac_bits must be at most 31"),
    case("spec-method", lambda: UnitSpec("add", method="cordic"), SpecError, r"method must be one of direct, interp, cotrans; not 'cordic'"),
    case("spec-converter-method", lambda: UnitSpec("to-float", method="cordic"), SpecError, r"method must be one of auto, direct, interp; not 'cordic'"),
    case("spec-max-error", lambda: UnitSpec("mac", max_error=0.5), SpecError, r"max_error must be a number in \[0\.51, 4\], not 0\.5"),
    case("spec-max-error-nan", lambda: UnitSpec("mac", max_error=math.nan), SpecError, r"max_error must be a number in \[0\.51, 4\]"),
    case("spec-compensated", lambda: UnitSpec("acc", compensated="yes"), SpecError, r"compensated must be True or False, not 'yes'"),
    case("spec-rows", lambda: UnitSpec("mm", rows=33), SpecError, r"rows must be an integer in \[1, 32\], not 33"),
    case("spec-float", lambda: UnitSpec("from-float", float="fp64"), SpecError, r"float must be fp16, bf16, fp32 or eEmM"),
    case("spec-float-range", lambda: UnitSpec("from-float", float="e9m2"), SpecError, r"float must be .* E \(exponent bits\) in \[2, 8\]"),
    case("spec-fmt-type", lambda: UnitSpec("mul", fmt=(3, 4)), SpecError, r"fmt must be an lnsgen\.golden\.LNSFormat"),
    case("spec-fmt-twice", lambda: UnitSpec("mul", fmt=F8, int_bits=3), SpecError, r"give fmt or int_bits/frac_bits, not both"),
    case("spec-from-dict", lambda: UnitSpec.from_dict({"int_bits": 3}), SpecError, r"a unit spec needs a 'kind'"),
    case("resolve-name", lambda: resolve("mm3x3"), SpecError, r"unit must be a kind \(mul, .*\) or a preset \(add-direct, .*\); not 'mm3x3'"),
    case("resolve-preset-conflict", lambda: resolve("mm4x4", rows=3), SpecError, r"unit mm4x4 sets rows=4; use unit mm to choose rows=3"),
    # lnsgen.verification.runner.run_bench and verification.soak.run_soak (before any build) ---------
    case("run_bench-sim", lambda: run_bench(MUL8, sim="modelsim", vectors=1), ValueError, r"sim must be one of \('icarus', 'verilator'\), not 'modelsim'"),
    case("run_bench-unit", lambda: run_bench("fmac", sim="icarus", vectors=1), SpecError, r"unit must be a kind"),
    case("run_bench-vectors", lambda: run_bench(MUL8, sim="icarus", vectors=-1), ValueError, r"vectors must be an integer >= 1, not -1"),
    case("run_bench-vectors-float", lambda: run_bench(MUL8, sim="icarus", vectors=10.0), TypeError, r"vectors must be an integer >= 1"),
    case("run_bench-idle", lambda: run_bench(MUL8, sim="icarus", vectors=1, idle=1.0), ValueError, r"idle must be in \[0, 1\), not 1\.0"),
    case("run_bench-stall", lambda: run_bench(MUL8, sim="icarus", vectors=1, stall=-0.1), ValueError, r"stall must be in \[0, 1\)"),
    case("run_bench-stall-type", lambda: run_bench(MUL8, sim="icarus", vectors=1, stall="0.2"), TypeError, r"stall must be a number in \[0, 1\)"),
    case("run_bench-seed", lambda: run_bench(MUL8, sim="icarus", vectors=1, seed=-1), ValueError, r"seed must be an integer >= 0"),
    case("run_bench-variant", lambda: run_bench(MUL8, sim="icarus", vectors=1, variant="nope"), ValueError, r"variant must be one of \('wraps',\) for unit kind 'mul', not 'nope'"),
    case("run_bench-variant-kind", lambda: run_bench(resolve("add", fmt=F8), sim="icarus", vectors=1, variant="wraps"), ValueError, r"variant must be one of \(\) for unit kind 'add'"),
    case("run_bench-tag", lambda: run_bench(MUL8, sim="icarus", vectors=1, tag="../x"), ValueError, r"tag must be a string of letters"),
    case("run_soak-unit", lambda: run_soak("mm3x3", operands=10, resets=1), SpecError, r"unit must be a kind"),
    case("run_soak-operands", lambda: run_soak(MUL8, operands=0, resets=0), ValueError, r"operands must be an integer >= 1, not 0"),
    case("run_soak-resets", lambda: run_soak(MUL8, operands=5, resets=5), ValueError, r"resets must be in \[0, operands - 1\] = \[0, 4\]"),
    case("run_soak-resets-type", lambda: run_soak(MUL8, operands=5, resets=1.0), TypeError, r"resets must be an integer >= 0"),
    case("run_soak-sim", lambda: run_soak(MUL8, operands=5, resets=1, sim="xcelium"), ValueError, r"sim must be one of"),
    case("run_soak-variant", lambda: run_soak(MUL8, operands=5, resets=1, variant="nope"), ValueError, r"variant must be one of"),
]


@pytest.mark.parametrize("fn, exc, match", CASES)
def test_bad_argument(fn, exc, match):
    with pytest.raises(exc, match=match) as info:
        fn()
    assert type(info.value) is exc  # not a subclass from deep inside numpy (e.g. AxisError)


# Command lines ---------------------------------------------------------------------------------

def cli(id_, module, args, match):
    return pytest.param(module, args, match, id=id_)


CLI_CASES = [
    cli("verilog-unit", "verilog", ["fmac"], r"unit must be a kind \(mul, .*\) or a preset"),
    cli("verilog-preset", "verilog", ["mm3x3"], r"unit must be a kind"),
    cli("verilog-int-bits", "verilog", ["mul", "--int-bits", "0"], r"--int-bits must be an integer in \[1, 10\], not 0"),
    cli("verilog-int-bits-type", "verilog", ["mul", "--int-bits", "five"], r"argument --int-bits: expected an integer, not 'five'"),
    cli("verilog-frac-bits", "verilog", ["mul", "--frac-bits", "24"], r"--frac-bits must be an integer in \[1, 23\], not 24"),
    cli("verilog-converter-latency", "verilog", ["to-float", "--latency", "4"], r"--latency must be an integer in \[5, 8\], not 4"),
    cli("verilog-width", "verilog", ["mul", "--int-bits", "10", "--frac-bits", "23"], r"--int-bits \+ --frac-bits must be at most 31"),
    cli("verilog-option-kind", "verilog", ["add", "--rows", "3"], r"--rows does not apply to unit add \(kind add; its options: --int-bits --frac-bits --method --max-error --adder-latency\)"),
    cli("verilog-method", "verilog", ["add", "--method", "cordic"], r"--method must be one of direct, interp, cotrans; not 'cordic'"),
    cli("verilog-max-error", "verilog", ["add", "--max-error", "0.5"], r"--max-error must be a number in \[0\.51, 4\], not 0\.5"),
    cli("verilog-max-error-type", "verilog", ["add", "--max-error", "one"], r"argument --max-error: expected a number, not 'one'"),
    cli("verilog-compensated", "verilog", ["acc", "--compensated", "maybe"], r"argument --compensated: expected yes or no, not 'maybe'"),
    cli("verilog-rows", "verilog", ["mm", "--rows", "0"], r"--rows must be an integer in \[1, 32\], not 0"),
    cli("verilog-float", "verilog", ["to-float", "--float", "fp64"], r"--float must be fp16, bf16, fp32 or eEmM"),
    cli("verilog-preset-conflict", "verilog", ["add-direct", "--method", "interp"], r"unit add-direct sets method='direct'; use unit add"),
    cli("verilog-out-dir", "verilog", ["mul", "-o", "."], r"-o/--out: \. is a folder, not a file"),
    cli("verilog-out-folder", "verilog", ["mul", "-o", "/proc/lnsgen/x.v"], r"-o/--out: cannot create the folder of"),
    cli("bench-units", "bench", [], r"the following arguments are required: UNIT"),
    cli("bench-vectors", "bench", ["mul", "--vectors", "0"], r"argument --vectors: expected an integer >= 1, not '0'"),
    cli("bench-sim", "bench", ["mul", "--sim", "modelsim"], r"argument --sim: invalid choice: 'modelsim'"),
    cli("bench-idle", "bench", ["mul", "--idle", "1"], r"argument --idle: expected a number in \[0, 1\), not '1'"),
    cli("bench-option-kind", "bench", ["mul", "add", "--method", "direct"], r"--method does not apply to unit mul"),
    cli("bench-out-file", "bench", ["mul", "-o", "pyproject.toml"], r"-o/--out: pyproject\.toml is a file, not a folder"),
    cli("soak-unit", "soak", ["mm3x3"], r"unit must be a kind"),
    cli("soak-operands", "soak", ["--operands", "0"], r"argument --operands: expected an integer >= 1, not '0'"),
    cli("soak-resets", "soak", ["--operands", "10", "--resets", "10"], r"--resets must be below --operands \(10\), not 10"),
    cli("soak-sim", "soak", ["--sim", "vcs"], r"argument --sim: invalid choice: 'vcs'"),
    cli("formal-unit", "formal", ["fmac"], r"unit must be a kind"),
    cli("formal-depth", "formal", ["--depth", "0"], r"argument --depth: expected an integer >= 1, not '0'"),
    cli("formal-props", "formal", ["--props", "liveness"], r"argument --props: invalid choice: 'liveness'"),
    cli("formal-no-proof", "formal", ["acc", "--props", "equiv"], r"no proof applies"),
    cli("synth-unit", "synth", ["fmac"], r"unit must be a kind"),
    cli("synth-int-bits", "synth", ["--int-bits", "11"], r"--int-bits must be an integer in \[1, 10\], not 11"),
    cli("synth-freq", "synth", ["--freq", "-1"], r"argument --freq: expected a positive number, not '-1'"),
    cli("synth-freq-inf", "synth", ["--freq", "inf"], r"argument --freq: expected a positive number, not 'inf'"),
    cli("synth-target", "synth", ["--targets", "asic"], r"argument --targets: invalid choice: 'asic'"),
    cli("sweep-nothing", "sweep", [], r"give units \(and their options\) or --config"),
    cli("sweep-config", "sweep", ["--config", "nope.toml"], r"nope\.toml"),
    cli("error-int-bits", "error", ["--int-bits", "11", "--frac-bits", "4"], r"--int-bits must be an integer in \[1, 10\], not 11"),
    cli("error-method", "error", ["--method", "x"], r"--method must be one of direct, interp, cotrans; not 'x'"),
    cli("error-max-error", "error", ["--max-error", "0.5"], r"--max-error must be a number in \[0\.51, 4\], not 0\.5"),
    cli("error-out-file", "error", ["-o", "pyproject.toml"], r"-o/--out: pyproject\.toml is a file, not a folder"),
    cli("study-frac-bits", "study", ["--frac-bits", "0"], r"--frac-bits must be an integer in \[1, 23\], not 0"),
    cli("study-trials", "study", ["--trials", "0"], r"argument --trials: expected an integer >= 1, not '0'"),
    cli("study-seed", "study", ["--seed", "-1"], r"argument --seed: expected an integer >= 0, not '-1'"),
    cli("utilization-k", "utilization", ["--k", "0"], r"argument --k: expected an integer >= 1, not '0'"),
    cli("utilization-rows", "utilization", ["--rows", "40"], r"--rows must be an integer in \[1, 32\], not 40"),
    cli("command", None, ["fly"], r"argument COMMAND: invalid choice: 'fly'"),
    cli("train-mode", "train-run", ["--mode", "fp8"], r"argument --mode: invalid choice: 'fp8'"),
    cli("train-epochs", "train-run", ["--mode", "lns", "--epochs", "0"], r"argument --epochs: must be a positive integer, not 0"),
    cli("train-lr", "train-run", ["--mode", "lns", "--lr", "nan"], r"argument --lr: must be a positive number"),
    cli("train-batch", "train-run", ["--mode", "lns", "--batch", "-4"], r"argument --batch: must be a positive integer"),
    cli("train-int-bits", "train-run", ["--mode", "lns", "--int-bits", "0"], r"--int-bits must be an integer in \[1, 10\], not 0"),
    cli("train-code-width", "train-run", ["--mode", "lns", "--int-bits", "10", "--frac-bits", "23"], r"--int-bits \+ --frac-bits must be at most 31"),
    cli("train-seed", "train-run", ["--mode", "lns", "--data", "synthetic", "--seed", "-1"], r"--seed"),
    cli("train-json-dir", "train-run", ["--mode", "lns", "--data", "synthetic", "--epochs", "1", "--train-size", "64", "--valid-size", "64", "--json", "."], r"--json"),
    cli("train-sweep-int-bits", "train-sweep", ["--int-bits", "11"], r"--int-bits must be an integer in \[1, 10\], not 11"),
    cli("train-table-frac-bits", "train", ["--frac-bits", "10", "0"], r"--frac-bits must be an integer in \[1, 23\], not 0"),
]


def _check_cli_error(returncode, stdout, stderr, command, match):
    assert returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, stderr  # exactly one line saying what is wrong
    prog = "lnsgen" + (f" {command}" if command else "")
    assert errors[0].startswith(f"{prog}: error: "), errors[0]
    assert re.search(match, errors[0]), errors[0]
    assert stdout == ""  # nothing was generated


def _argv(command, args):
    return ([command] if command else []) + list(args)


@pytest.mark.parametrize("command, args, match", CLI_CASES)
def test_cli_bad_argument(command, args, match, capsys):
    """``lnsgen.cli.main`` in this process; an exception other than SystemExit fails the test
    (it would be a traceback on the command line)."""
    with pytest.raises(SystemExit) as info:
        main(_argv(command, args))
    out, err = capsys.readouterr()
    _check_cli_error(info.value.code, out, err, command, match)


@pytest.mark.parametrize("command", ["verilog", "bench", "formal", "train-run"])
def test_cli_exit_status_from_the_shell(command):
    """The first case of some commands through the ``lnsgen`` console script: status 2, one
    line, no traceback."""
    _, args, match = next(p.values for p in CLI_CASES if p.values[0] == command)
    lnsgen = pathlib.Path(sys.executable).with_name("lnsgen")
    proc = subprocess.run([str(lnsgen), *_argv(command, args)], capture_output=True,
                          text=True, timeout=120, check=False)
    _check_cli_error(proc.returncode, proc.stdout, proc.stderr, command, match)


# Numeric ranges, by hypothesis ---------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(int_bits=st.integers(-1000, 1000), frac_bits=st.integers(-1000, 1000))
def test_format_widths(int_bits, frac_bits):
    """Inside the documented ranges a format constructs; outside, the error names the field."""
    if not 1 <= int_bits <= golden.MAX_INT_BITS:
        with pytest.raises(ValueError, match=rf"^int_bits must be an integer in \[1, 10\], not {int_bits}$"):
            LNSFormat(int_bits, frac_bits)
    elif not 1 <= frac_bits <= golden.MAX_FRAC_BITS:
        with pytest.raises(ValueError, match=rf"^frac_bits must be an integer in \[1, 23\], not {frac_bits}$"):
            LNSFormat(int_bits, frac_bits)
    elif int_bits + frac_bits > golden.MAX_WIDTH - 1:
        with pytest.raises(ValueError, match=r"^int_bits \+ frac_bits must be at most 31"):
            LNSFormat(int_bits, frac_bits)
    else:
        fmt = LNSFormat(int_bits, frac_bits)
        assert fmt.width == 1 + int_bits + frac_bits <= 32


@settings(max_examples=200, deadline=None)
@given(exp_bits=st.integers(-100, 100), man_bits=st.integers(-100, 100))
def test_float_format_widths(exp_bits, man_bits):
    """The same for the IEEE formats of the converters."""
    if not 2 <= exp_bits <= 8:
        with pytest.raises(ValueError, match=rf"^exp_bits must be an integer in \[2, 8\], not {exp_bits}$"):
            FloatFormat(exp_bits, man_bits)
    elif not 1 <= man_bits <= 23:
        with pytest.raises(ValueError, match=rf"^man_bits must be an integer in \[1, 23\], not {man_bits}$"):
            FloatFormat(exp_bits, man_bits)
    else:
        ffmt = FloatFormat(exp_bits, man_bits)
        assert ffmt.width == 1 + exp_bits + man_bits and ffmt.decode(ffmt.inf) == np.inf


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.none(),
                       st.lists(st.integers(1, 5), max_size=2), st.complex_numbers()))
def test_format_width_types(value):
    """Anything but an integer is a TypeError naming the field (whatever its value)."""
    with pytest.raises(TypeError, match=r"^int_bits must be an integer in \[1, 10\]"):
        LNSFormat(value, 4)
    with pytest.raises(TypeError, match=r"^frac_bits must be an integer in \[1, 23\]"):
        LNSFormat(3, value)


@settings(max_examples=200, deadline=None)
@given(max_error=st.floats(allow_nan=True, allow_infinity=True))
@example(max_error=0.51)
@example(max_error=0.625)  # once failed: the near-zero terms had too few guard bits
@example(max_error=0.75)
def test_max_error_range(max_error):
    """max_error: [0.51, 4] constructs the tables; anything else names max_error and the range."""
    if 0.51 <= max_error <= 4:
        for phi in gauss.gaussian_logs(F8, "interp", max_error):
            assert np.abs(phi.error_ulp()).max() < max_error
    else:
        with pytest.raises(ValueError, match=r"^max_error must be in \[0\.51, 4\] ulp"):
            gauss.gaussian_logs(F8, "interp", max_error)


@settings(max_examples=200, deadline=None)
@given(codes=st.lists(st.integers(-(1 << 40), 1 << 40), min_size=1, max_size=5))
def test_code_range(codes):
    """Codes outside [0, 2**width) are refused by every operation, naming the operand."""
    codes = np.array(codes)
    if ((codes >= 0) & (codes < F8.n_codes)).all():
        assert np.shape(golden.mul(F8, codes, codes)) == codes.shape
    else:
        for fn in (lambda: golden.mul(F8, F8.zero, codes), lambda: golden.add(F8, F8.zero, codes)):
            with pytest.raises(ValueError, match=r"^b must hold codes in \[0, 255\]"):
                fn()


@settings(max_examples=100, deadline=None)
@given(lanes=st.integers(-50, 50))
def test_lanes_range(lanes):
    values = F8.pack(0, np.arange(7))
    if lanes >= 1:
        assert acc.interleaved_sum(F8, values, lanes) in range(F8.n_codes)
    else:
        with pytest.raises(ValueError, match=rf"^lanes must be a positive integer, not {lanes}$"):
            acc.interleaved_sum(F8, values, lanes)


@settings(max_examples=60, deadline=None)
@given(idle=st.floats(allow_nan=True), stall=st.floats(0, 0.5))
def test_bench_stall_probability_range(idle, stall):
    """run_bench checks its probabilities before building anything (no simulator is run)."""
    if 0 <= idle < 1:
        return  # a valid value would start a simulation: covered by the benches
    with pytest.raises(ValueError, match=r"^idle must be in \[0, 1\)"):
        run_bench(MUL8, sim="icarus", vectors=1, idle=idle, stall=stall)


@settings(max_examples=60, deadline=None)
@given(a=st.integers(1, 4), b=st.integers(1, 4))
def test_shapes(a, b):
    """Operands broadcast when numpy would broadcast them; otherwise the error names both."""
    x, y = np.full(a, F8.zero), np.full(b, F8.zero)
    if a == b or 1 in (a, b):
        assert golden.mul(F8, x, y).shape == (max(a, b),)
    else:
        with pytest.raises(ValueError, match=rf"a and b must have shapes .* a \({a},\), b \({b},\)"):
            golden.mul(F8, x, y)
