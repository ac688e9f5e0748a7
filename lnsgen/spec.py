"""Unit specifications: one typed, hashable, serializable description of a generable unit.

A :class:`UnitSpec` is a unit *kind* (``"add"``, ``"mm"``, ``"to-float"``, ...) and a value for
every parameter that kind takes (format, method, error bound, array size, compensation, float
format, ...), defaults filled in and every value validated when the spec is made. Every tool
takes a spec: Verilog generation, benches, soak, formal proofs, synthesis, sweeps, reports and
cache keys, so any value a component accepts is reachable from every command.

The unit names of the old catalogue (``add-direct``, ``mm4x4-kahan``, ``to-fp16``, ...) are
:data:`PRESETS`: names for specs, not the only door::

    >>> UnitSpec("mm", rows=3, cols=5, int_bits=4, frac_bits=7).name
    'mm3x5_i4f7'
    >>> resolve("add-direct").to_dict()["method"]
    'direct'

A spec's :attr:`~UnitSpec.name` is derived from its parameters (FloPoCo style: every value that
differs from the kind's default is in it), so two different units never share a Verilog module
name, a build folder or a report row.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import numbers
import re
from collections.abc import Callable, Mapping

from lnsgen.golden.converters import CONVERTER_METHODS
from lnsgen.golden.converters import MAX_ERROR_RANGE as CONVERTER_MAX_ERROR_RANGE
from lnsgen.golden.format import MAX_FRAC_BITS, MAX_INT_BITS, LNSFormat
from lnsgen.golden.gaussian import MAX_MAX_ERROR, METHODS, MIN_MAX_ERROR
from lnsgen.golden.ieee import FLOAT_FORMATS, FloatFormat

__all__ = ["KINDS", "PRESETS", "Kind", "Param", "Preset", "SpecError", "UnitSpec",
           "parse_float_format", "resolve"]

#: Largest number of rows or columns of a systolic array (mirrors ``hdl.systolic``).
MAX_ARRAY_DIM = 32


class SpecError(ValueError):
    """A unit or parameter that does not exist, or a value outside its range. The message
    names the parameter (as a keyword, or as ``--option`` on the command line) and what it
    accepts."""


# Parameter value checks ------------------------------------------------------------------------

def _int_in(lo: int, hi: int):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise SpecError(f"{name} must be an integer in [{lo}, {hi}], not {value!r}")
        if not lo <= value <= hi:
            raise SpecError(f"{name} must be an integer in [{lo}, {hi}], not {value!r}")
        return int(value)
    check.accepts = f"an integer in [{lo}, {hi}]"
    return check


def _optional_int(lo: int, hi: int):
    inner = _int_in(lo, hi)

    def check(name, value):
        return None if value is None else inner(name, value)
    check.accepts = f"an integer in [{lo}, {hi}] or left out"
    return check


def _real_in(lo: float, hi: float):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value) or not lo <= value <= hi:
            raise SpecError(f"{name} must be a number in [{lo:g}, {hi:g}], not {value!r}")
        return float(value)
    check.accepts = f"a number in [{lo:g}, {hi:g}]"
    return check


def _choice(choices: tuple):
    def check(name, value):
        if not isinstance(value, str) or value not in choices:
            raise SpecError(f"{name} must be one of {', '.join(choices)}; not {value!r}")
        return value
    check.accepts = "one of " + ", ".join(choices)
    return check


def _bool(name, value):
    if not isinstance(value, bool):
        raise SpecError(f"{name} must be True or False, not {value!r}")
    return value


_bool.accepts = "yes or no"

_FLOAT_NAME = re.compile(r"(?:fp\d+_)?e(\d+)m(\d+)")


def parse_float_format(text) -> FloatFormat:
    """A float format from its name: ``fp16``, ``bf16``, ``fp32``, or ``eEmM`` (``e4m3``: 4
    exponent and 3 fraction bits; ``fp8_e4m3`` is accepted too)."""
    if isinstance(text, FloatFormat):
        return text
    if isinstance(text, str) and text in FLOAT_FORMATS:
        return FLOAT_FORMATS[text]
    match = _FLOAT_NAME.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise SpecError(f"float must be fp16, bf16, fp32 or eEmM (e.g. e4m3), not {text!r}")
    try:
        return FloatFormat(exp_bits=int(match.group(1)), man_bits=int(match.group(2)))
    except ValueError:
        raise SpecError(f"float must be fp16, bf16, fp32 or eEmM with E (exponent bits) in "
                        f"[2, 8] and M (fraction bits) in [1, 23], not {text!r}") from None


def _float_format(name, value):
    if isinstance(value, FloatFormat):
        return value.name
    try:
        return parse_float_format(value).name
    except SpecError as exc:
        raise SpecError(str(exc).replace("float must", f"{name} must", 1)) from None


_float_format.accepts = "fp16, bf16, fp32 or eEmM"


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "1", "on"):
        return True
    if lowered in ("no", "false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def _parse_number(kind):
    def parse(text: str):
        try:
            return kind(text.replace("_", "")) if kind is int else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, not {text!r}") from None
    parse.__name__ = "integer" if kind is int else "number"
    return parse


# Parameters and kinds -----------------------------------------------------------------------------

def value_text(value) -> str:
    """A parameter value as its command-line option spells it."""
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a unit kind.

    Attributes
    ----------
    name : str
        Keyword of the component (``max_error``); on the command line ``--max-error``.
    default : object
        Value when the spec does not give one.
    help : str
        One line for ``--help``.
    check : callable
        ``check(name, value)`` returns the canonical value or raises :class:`SpecError`;
        ``check.accepts`` says what it accepts.
    parse : callable
        From command-line text to a value for ``check``.
    tag : callable
        ``tag(value)``: the part of the spec's name for a non-default value.
    """

    name: str
    default: object
    help: str
    check: Callable
    parse: Callable = str
    tag: Callable | None = None
    choices: tuple | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def default_text(self) -> str:
        """The default as the option spells it (``auto`` where the unit derives it)."""
        return value_text(self.default)

    @property
    def is_flag(self) -> bool:
        return self.check is _bool

    @property
    def accepts(self) -> str:
        return self.check.accepts

    def name_part(self, value) -> str:
        if self.tag is not None:
            return self.tag(value)
        if isinstance(value, bool):
            return self.name if value else f"no{self.name}"
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text.replace(".", "p").replace("-", "m")


def _format_params(default_int: int = 5, default_frac: int = 10) -> tuple[Param, ...]:
    return (
        Param("int_bits", default_int, "integer bits of the log2 magnitude, its sign included",
              _int_in(1, MAX_INT_BITS), _parse_number(int)),
        Param("frac_bits", default_frac, "fractional bits of the log2 magnitude",
              _int_in(1, MAX_FRAC_BITS), _parse_number(int)),
    )


def _gaussian_params() -> tuple[Param, ...]:
    return (
        Param("method", "interp", "Gaussian-log engine: interp (piecewise linear, faithful), "
              "direct (one rounded entry per d, correctly rounded) or cotrans (one phi+ "
              "interpolator serves phi- by cotransformation, faithful)", _choice(METHODS),
              choices=METHODS, tag=lambda v: v),
        Param("max_error", 1.0, "error bound of the interp tables in ulps (1: faithful)",
              _real_in(MIN_MAX_ERROR, MAX_MAX_ERROR), _parse_number(float),
              tag=lambda v: "me" + f"{v:g}".replace(".", "p")),
    )


def _optional_latency(allowed: tuple):
    def check(name, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
                or value not in allowed:
            raise SpecError(f"{name} must be one of {', '.join(map(str, allowed))} (or left "
                            f"out: the method's default), not {value!r}")
        return int(value)
    check.accepts = "one of " + ", ".join(map(str, allowed))
    return check


#: Pipeline stages of the adder datapath: 1 to 3 with the tables as logic (standard cells), 5
#: with table ROMs and a register of their own (FPGA block RAM), 6 to 10 the same with more
#: registers (hdl.adder.PIPELINED_CUTS).
ADDER_LATENCIES = (1, 2, 3, 5, 6, 7, 8, 9, 10)
_ADDER_LATENCY = Param(
    "adder_latency", None, "pipeline stages of the adder: 1-3 (tables as logic, for standard "
    "cells), 5-10 (table ROMs, for FPGA block RAM; 6-10 add registers for speed, 9-10 put "
    "the tables in LUTs and 10 the multipliers too); "
    "default: the method's (5 for interp and direct, 3 for cotrans)",
    _optional_latency(ADDER_LATENCIES), _parse_number(int), tag=lambda v: f"L{v}")

_COMPENSATED = Param("compensated", False, "Kahan-compensated sums (four adders per sum "
                     "step)", _bool, _parse_bool, tag=lambda v: "kahan" if v else "plain")


def _converter_params() -> tuple[Param, ...]:
    lo, hi = CONVERTER_MAX_ERROR_RANGE
    return (
        Param("float", "fp16", "IEEE format: fp16, bf16, fp32 or eEmM (e.g. e4m3)",
              _float_format, tag=lambda v: v),
        Param("method", "auto", "table: auto (direct up to 4,096 entries, else interp), "
              "direct (correctly rounded), interp (faithful)", _choice(CONVERTER_METHODS),
              choices=CONVERTER_METHODS, tag=lambda v: v),
        Param("max_error", 1.0, "error bound of an interp table in ulps (1: faithful)",
              _real_in(lo, hi), _parse_number(float),
              tag=lambda v: "me" + f"{v:g}".replace(".", "p")),
        Param("latency", 5, "pipeline stages: 5, or 6-8 with the table's product, address and "
              "partial products registered (hdl.convert.CONVERTER_CUTS)", _int_in(5, 8),
              _parse_number(int), tag=lambda v: f"L{v}"),
    )


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of unit: what it computes, its parameters and how to build it.

    Attributes
    ----------
    name : str
        ``mul``, ``add``, ``mm``, ...
    summary : str
        One line: what the unit computes.
    params : tuple of Param
        Every parameter, in the order the command line lists them.
    build : callable
        ``build(spec)`` returns the Amaranth component.
    """

    name: str
    summary: str
    params: tuple
    build: Callable
    label: Callable | None = None
    #: The module of the component class (what a cache key of the unit depends on).
    module: str = ""
    #: ``format_of(spec)``: the number format of the unit's ports, which its bench model
    #: takes (None: the LNS format of ``int_bits``/``frac_bits``).
    format_of: Callable | None = None
    #: ``check(spec)``: joint limits of the parameters (raises :class:`SpecError`).
    check: Callable | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise SpecError(self.unknown_message(name))

    def unknown_message(self, name: str) -> str:
        names = ", ".join(p.name for p in self.params) or "none"
        return f"unit kind {self.name!r} has no parameter {name!r} (its parameters: {names})"


def _lns_format(spec) -> LNSFormat:
    return LNSFormat(int_bits=spec["int_bits"], frac_bits=spec["frac_bits"])


def _build_mul(spec):
    from lnsgen.hdl.mul import LNSMultiplier
    return LNSMultiplier(spec.fmt)


def _build_div(spec):
    from lnsgen.hdl.mul import LNSMultiplier
    return LNSMultiplier(spec.fmt, divide=True)


def _check_adder(spec):
    """The adder's latency must be one its method is built with (cotrans has no ROM
    datapath)."""
    from lnsgen.hdl.adder import COMPACT_LATENCIES, DEFAULT_LATENCY, LATENCIES
    latency = spec["adder_latency"]
    allowed = LATENCIES if spec["method"] in DEFAULT_LATENCY else COMPACT_LATENCIES
    if latency is not None and latency not in allowed:
        raise SpecError(f"adder_latency must be one of {', '.join(map(str, allowed))} with "
                        f"method {spec['method']}, not {latency}")


def _build_add(spec):
    from lnsgen.hdl.adder import LNSAdder
    return LNSAdder(spec.fmt, method=spec["method"], max_error=spec["max_error"],
                    latency=spec["adder_latency"])


def _build_mac(spec):
    from lnsgen.hdl.mac import LNSMultiplyAdd
    return LNSMultiplyAdd(spec.fmt, method=spec["method"], max_error=spec["max_error"],
                          latency=spec["adder_latency"])


def _build_acc(spec):
    from lnsgen.hdl.accumulator import LNSAccumulator
    return LNSAccumulator(spec.fmt, compensated=spec["compensated"], method=spec["method"],
                          max_error=spec["max_error"], adder_latency=spec["adder_latency"])


def _build_mm(spec):
    from lnsgen.hdl.systolic import LNSSystolicArray
    return LNSSystolicArray(spec.fmt, rows=spec["rows"], cols=spec["cols"],
                            compensated=spec["compensated"], method=spec["method"],
                            max_error=spec["max_error"], adder_latency=spec["adder_latency"])


def pe_arithmetic(spec):
    """The :class:`~lnsgen.hdl.arithmetic.PEArithmetic` of an array spec (a kind of
    :data:`ARRAY_KINDS`), which validates the arithmetic's parameters."""
    from lnsgen.hdl import arithmetic
    if spec.kind == "mm":
        return arithmetic.LNSPE(spec.fmt, compensated=spec["compensated"], method=spec["method"],
                                max_error=spec["max_error"], adder_latency=spec["adder_latency"])
    if spec.kind == "mm-hybrid":
        return arithmetic.HybridPE(spec.fmt, **_hybrid_args(spec))
    if spec.kind == "mm-fma":
        return arithmetic.FloatPE(spec.float_format, latency=spec["latency"])
    if spec.kind == "mm-int":
        return arithmetic.IntPE(ab_bits=spec["ab_bits"], acc_bits=spec["acc_bits"])
    raise ValueError(f"unit kind {spec.kind!r} is not an array (one of {ARRAY_KINDS})")


def _build_array(spec):
    from lnsgen.hdl.systolic import SystolicArray
    return SystolicArray(pe_arithmetic(spec), rows=spec["rows"], cols=spec["cols"])


def _build_fma(spec):
    from lnsgen.hdl.fma import FloatMultiplyAdd
    return FloatMultiplyAdd(spec.float_format, latency=spec["latency"])


def _build_int_mac(spec):
    from lnsgen.hdl.intmac import IntMultiplyAdd
    return IntMultiplyAdd(ab_bits=spec["ab_bits"], acc_bits=spec["acc_bits"],
                          latency=spec["latency"])


def _build_hybrid(spec):
    from lnsgen.hdl.hybrid import HybridMultiplyAccumulator
    return HybridMultiplyAccumulator(spec.fmt, **_hybrid_args(spec))


def _int_mac_format(spec):
    from lnsgen.golden.intmac import IntMACFormat
    return IntMACFormat(spec["ab_bits"], spec["acc_bits"])


def _hybrid_args(spec) -> dict:
    return {"guard_bits": spec["guard_bits"], "lin_frac_bits": spec["lin_frac_bits"],
            "method": spec["method"], "max_error": spec["max_error"]}


def _build_from_float(spec):
    from lnsgen.hdl.convert import FloatToLNSConverter
    return FloatToLNSConverter(spec.fmt, spec.float_format, method=spec["method"],
                               max_error=spec["max_error"], latency=spec["latency"])


def _build_to_float(spec):
    from lnsgen.hdl.convert import LNSToFloatConverter
    return LNSToFloatConverter(spec.fmt, spec.float_format, method=spec["method"],
                               max_error=spec["max_error"], latency=spec["latency"])


_DIM = {"check": _int_in(1, MAX_ARRAY_DIM), "parse": _parse_number(int)}
_ARRAY_DIMS = (Param("rows", 4, "PE rows of the array", **_DIM),
               Param("cols", 4, "PE columns of the array", **_DIM))
_FMA_PARAMS = (
    Param("float", "fp16", "IEEE format: fp16, bf16, fp32 or eEmM (e.g. e4m3)", _float_format,
          tag=lambda v: v),
    Param("latency", 6, "pipeline stages (6: the LNS mac's)", _int_in(1, 7), _parse_number(int),
          tag=lambda v: f"L{v}"))
_INT_WIDTHS = (
    Param("ab_bits", 8, "bits of a and b", _int_in(2, 24), _parse_number(int)),
    Param("acc_bits", 32, "bits of c and the result (at least 2 * ab_bits)", _int_in(4, 62),
          _parse_number(int)))
_HYBRID_PARAMS = (
    Param("guard_bits", 8, "accumulator bits beyond one product's range: any sum of up to "
          "2**guard_bits products is exact", _int_in(0, 32), _parse_number(int)),
    Param("lin_frac_bits", None, "fraction bits of the linear values (frac_bits to "
          "frac_bits + 8; default frac_bits + 3)", _optional_int(1, 31), _parse_number(int),
          tag=lambda v: f"lf{v}"),
    Param("method", "auto", "log2(1 + f) table of the final rounding: auto, direct "
          "(correctly rounded) or interp (faithful)", _choice(CONVERTER_METHODS),
          choices=CONVERTER_METHODS, tag=lambda v: v),
    Param("max_error", 1.0, "error bound of an interp table in ulps",
          _real_in(*CONVERTER_MAX_ERROR_RANGE), _parse_number(float),
          tag=lambda v: "me" + f"{v:g}".replace(".", "p")))

#: The systolic array kinds, one per arithmetic.
ARRAY_KINDS = ("mm", "mm-hybrid", "mm-fma", "mm-int")

#: Every unit kind, by name.
KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("mul", "LNS multiplier a * b: a log add with saturation and flush (latency 1)",
         _format_params(), _build_mul, module="lnsgen.hdl.mul"),
    Kind("div", "LNS divider a / b: a log subtract (latency 1)", _format_params(), _build_div, module="lnsgen.hdl.mul"),
    Kind("add", "LNS adder/subtractor a + b or a - b by an op bit (Gaussian logs; latency: "
         "the adder's stages)", _format_params() + _gaussian_params() + (_ADDER_LATENCY,),
         _build_add, module="lnsgen.hdl.adder", check=_check_adder),
    Kind("mac", "LNS multiply-add a * b + c, one rounding; a product beyond the range "
         "saturates or flushes before c is added (latency: the adder's, + 1 at 5-9 stages, + 2 at 10)",
         _format_params() + _gaussian_params() + (_ADDER_LATENCY,), _build_mac, module="lnsgen.hdl.mac", check=_check_adder),
    Kind("acc", "LNS accumulator: one sum per value marked last, one value per cycle "
         "(interleaved lanes)",
         _format_params() + (_COMPENSATED,) + _gaussian_params() + (_ADDER_LATENCY,),
         _build_acc, module="lnsgen.hdl.accumulator", check=_check_adder),
    Kind("mm", "systolic LNS matrix unit: tiles of C = A x B, one MAC per PE per cycle",
         _format_params() + (
             *_ARRAY_DIMS, _COMPENSATED) + _gaussian_params() + (_ADDER_LATENCY,),
         _build_mm, label=lambda s: f"mm{s['rows']}x{s['cols']}", module="lnsgen.hdl.systolic", check=_check_adder),
    Kind("from-float", "IEEE float word to LNS code, rounded to nearest in the log (direct "
         "table) or faithful (interp; latency 5-8)", _format_params() + _converter_params(),
         _build_from_float, label=lambda s: f"from_{s['float']}", module="lnsgen.hdl.convert"),
    Kind("to-float", "LNS code to IEEE float word: the nearest word, ties to even (direct "
         "table, frac_bits <= 12 with method auto), or faithful (interp; latency 5-8)",
         _format_params() + _converter_params(), _build_to_float,
         label=lambda s: f"to_{s['float']}", module="lnsgen.hdl.convert"),
    # Conventional baselines, generated and verified like the LNS units.
    Kind("fma", "IEEE fused multiply-add a * b + c, one rounding to nearest even, subnormals, "
         "inf/NaN as IEEE 754 (the comparison baseline)",
         _FMA_PARAMS, _build_fma, label=lambda s: f"fma_{s['float']}", module="lnsgen.hdl.fma",
         format_of=lambda s: s.float_format),
    Kind("int-mac", "integer multiply-accumulate c + a * b, two's complement, the sum wrapping "
         "(the int8 x int8 + int32 baseline)",
         _INT_WIDTHS + (Param("latency", 2, "pipeline stages", _int_in(1, 3),
                              _parse_number(int), tag=lambda v: f"L{v}"),),
         _build_int_mac, label=lambda s: f"int_mac{s['ab_bits']}x{s['acc_bits']}",
         module="lnsgen.hdl.intmac", format_of=_int_mac_format),
    Kind("hybrid", "ELMA-style MAC: LNS products summed exactly in linear fixed point "
         "(Kulisch), one rounding back to LNS per sum (value marked last)",
         _format_params() + _HYBRID_PARAMS, _build_hybrid, module="lnsgen.hdl.hybrid"),
    # The same systolic array in the other arithmetics (lnsgen.hdl.arithmetic).
    Kind("mm-hybrid", "systolic matrix unit of hybrid (ELMA) PEs: LNS products summed exactly "
         "in linear fixed point, one rounding to LNS per output",
         _format_params() + _ARRAY_DIMS + _HYBRID_PARAMS, _build_array,
         label=lambda s: f"mm{s['rows']}x{s['cols']}_hybrid", module="lnsgen.hdl.systolic"),
    Kind("mm-fma", "systolic matrix unit of IEEE fused multiply-add PEs (the floating-point "
         "baseline array)", _ARRAY_DIMS + _FMA_PARAMS, _build_array,
         label=lambda s: f"mm{s['rows']}x{s['cols']}_{s['float']}", module="lnsgen.hdl.systolic",
         format_of=lambda s: s.float_format),
    Kind("mm-int", "systolic matrix unit of integer MAC PEs, the sums wrapping (the int8 "
         "baseline array)", _ARRAY_DIMS + _INT_WIDTHS, _build_array,
         label=lambda s: f"mm{s['rows']}x{s['cols']}_int{s['ab_bits']}x{s['acc_bits']}",
         module="lnsgen.hdl.systolic", format_of=_int_mac_format),
]}

#: Parameters that are part of every spec's name even at their default value.
_ALWAYS_NAMED = {"int_bits", "frac_bits", "rows", "cols", "float", "ab_bits", "acc_bits"}


# The spec ------------------------------------------------------------------------------------------

class UnitSpec(Mapping):
    """A unit kind and the value of every one of its parameters.

    Parameters
    ----------
    kind : str
        A key of :data:`KINDS`.
    fmt : lnsgen.golden.LNSFormat, optional
        Shorthand for ``int_bits`` and ``frac_bits``.
    **params
        Values of the kind's parameters; the others take their defaults.

    Raises
    ------
    SpecError
        If the kind or a parameter does not exist, or a value is outside its range (the
        message names the parameter and what it accepts).

    Notes
    -----
    A spec is immutable, hashable and compares by value; it is a read-only mapping of its
    parameters (``spec["method"]``). :meth:`to_dict` / :meth:`from_dict` and :meth:`to_json`
    round-trip it; :meth:`replace` makes a changed copy.
    """

    __slots__ = ("_kind", "_values")

    def __init__(self, kind: str, *, fmt: LNSFormat | None = None, **params):
        if fmt is not None:
            if not isinstance(fmt, LNSFormat):
                raise SpecError(f"fmt must be an lnsgen.golden.LNSFormat, not {fmt!r}")
            if "int_bits" in params or "frac_bits" in params:
                raise SpecError("give fmt or int_bits/frac_bits, not both")
            params.update(int_bits=fmt.int_bits, frac_bits=fmt.frac_bits)
        if not isinstance(kind, str) or kind not in KINDS:
            raise SpecError(f"unit kind must be one of {', '.join(KINDS)}; not {kind!r}")
        k = KINDS[kind]
        unknown = [name for name in params if name not in {p.name for p in k.params}]
        if unknown:
            raise SpecError(k.unknown_message(unknown[0]))
        values = {}
        for p in k.params:
            values[p.name] = p.check(p.name, params.get(p.name, p.default))
        object.__setattr__(self, "_kind", k)
        object.__setattr__(self, "_values", values)
        try:  # joint limits: the LNS code width, the int MAC's accumulator against a * b
            _ = self.model_format
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        if k.check is not None:
            k.check(self)

    def __setattr__(self, name, value):
        raise AttributeError("UnitSpec is immutable; use replace()")

    # Mapping ------------------------------------------------------------------------------------
    def __getitem__(self, name):
        if name not in self._values:
            raise KeyError(self._kind.unknown_message(name))
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __eq__(self, other):
        return (isinstance(other, UnitSpec) and self.kind == other.kind
                and self._values == other._values)

    def __hash__(self):
        return hash((self.kind, tuple(self._values.items())))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"UnitSpec({self.kind!r}, {args})"

    # Identity -----------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind.name

    @property
    def kind_info(self) -> Kind:
        return self._kind

    def _tags(self) -> list[str]:
        k = self._kind
        return [p.name_part(self._values[p.name]) for p in k.params
                if p.name not in _ALWAYS_NAMED and self._values[p.name] != p.default]

    @property
    def label(self) -> str:
        """The name without the format: the kind (``mm3x5``, ``to_fp16``) and every other
        non-default value (``add_direct``, ``acc_kahan``). Groups a unit's formats in reports."""
        k = self._kind
        return "_".join([k.label(self) if k.label else k.name.replace("-", "_"), *self._tags()])

    @property
    def name(self) -> str:
        """Derived from the parameters: the kind (or its label, ``mm3x5``), the format
        (``i5f10``), then every other value that differs from its default (``direct``,
        ``kahan``, ``me0p75``). Unique per spec; a valid Verilog identifier."""
        k = self._kind
        parts = [k.label(self) if k.label else k.name.replace("-", "_")]
        if "int_bits" in self._values:
            parts.append(f"i{self['int_bits']}f{self['frac_bits']}")
        return "_".join(parts + self._tags())

    @property
    def module_name(self) -> str:
        """The Verilog module name: ``lnsgen_`` + :attr:`name`."""
        return "lnsgen_" + self.name

    @property
    def fmt(self) -> LNSFormat:
        """The LNS format (kinds with ``int_bits``/``frac_bits``)."""
        if "int_bits" not in self._values:
            raise AttributeError(f"unit kind {self.kind!r} has no LNS format")
        return _lns_format(self)

    @property
    def model_format(self):
        """The number format of the unit's ports (an :class:`~lnsgen.golden.LNSFormat`, the
        :class:`~lnsgen.golden.ieee.FloatFormat` of an FMA, the widths of an integer MAC):
        what its bench model and reports take as ``fmt``."""
        if self._kind.format_of is not None:
            return self._kind.format_of(self)
        return self.fmt

    @property
    def float_format(self) -> FloatFormat:
        """The IEEE format of a converter."""
        if "float" not in self._values:
            raise AttributeError(f"unit kind {self.kind!r} has no float format")
        return parse_float_format(self._values["float"])

    # Serialization --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"kind": ..., <every parameter>: ...}`` (JSON-friendly)."""
        return {"kind": self.kind, **self._values}

    @classmethod
    def from_dict(cls, data: Mapping) -> UnitSpec:
        data = dict(data)
        if "kind" not in data:
            raise SpecError("a unit spec needs a 'kind'")
        return cls(data.pop("kind"), **data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> UnitSpec:
        return cls.from_dict(json.loads(text))

    def replace(self, **changes) -> UnitSpec:
        """A copy with some parameters changed (validated like a new spec)."""
        return UnitSpec(self.kind, **{**self._values, **changes})

    def command_line(self) -> list[str]:
        """The ``lnsgen`` arguments that make this spec (kind, then every parameter)."""
        args = [self.kind]
        for p in self._kind.params:
            value = self._values[p.name]
            if value is None:
                continue  # left out: the default that depends on other parameters
            if p.is_flag:
                args += [p.option, "yes" if value else "no"]
            else:
                args += [p.option, f"{value:g}" if isinstance(value, float) else str(value)]
        return args

    # Hardware -------------------------------------------------------------------------------------
    def build(self):
        """The Amaranth component of this spec."""
        return self._kind.build(self)


# Presets ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Preset:
    """A name for a kind with some parameters set (the old catalogue's unit names)."""

    name: str
    kind: str
    params: tuple = ()

    def spec(self, *, fmt: LNSFormat | None = None, **params) -> UnitSpec:
        if fmt is not None:
            params.update(int_bits=fmt.int_bits, frac_bits=fmt.frac_bits)
        fixed = dict(self.params)
        for key, value in params.items():
            if key in fixed and fixed[key] != value:
                raise SpecError(f"unit {self.name} sets {key}={fixed[key]!r}; use unit "
                                f"{self.kind} to choose {key}={value!r}")
        return UnitSpec(self.kind, **{**fixed, **params})

    @property
    def help(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.kind}" + (f" with {settings}" if settings else "")


def _presets() -> dict[str, Preset]:
    out = [Preset("add-direct", "add", (("method", "direct"),)),
           Preset("acc-kahan", "acc", (("compensated", True),))]
    for name in FLOAT_FORMATS:
        out += [Preset(f"from-{name}", "from-float", (("float", name),)),
                Preset(f"to-{name}", "to-float", (("float", name),))]
    for n in (2, 4, 8):
        out += [Preset(f"mm{n}x{n}", "mm", (("rows", n), ("cols", n))),
                Preset(f"mm{n}x{n}-kahan", "mm",
                       (("rows", n), ("cols", n), ("compensated", True))),
                Preset(f"mm{n}x{n}-hybrid", "mm-hybrid", (("rows", n), ("cols", n))),
                Preset(f"mm{n}x{n}-fp16", "mm-fma", (("rows", n), ("cols", n))),
                Preset(f"mm{n}x{n}-bf16", "mm-fma",
                       (("rows", n), ("cols", n), ("float", "bf16"))),
                Preset(f"mm{n}x{n}-int8", "mm-int", (("rows", n), ("cols", n)))]
    return {p.name: p for p in out}


#: Named specs: every kind by its own name, and the catalogue names of earlier releases.
PRESETS: dict[str, Preset] = {**{k: Preset(k, k) for k in KINDS}, **_presets()}


def resolve(unit: str, **params) -> UnitSpec:
    """The spec of a kind or preset name with ``params`` set.

    Raises
    ------
    SpecError
        If the name is neither a kind nor a preset, a parameter does not apply, or a value
        contradicts what the preset sets.
    """
    if isinstance(unit, UnitSpec):
        if "fmt" in params:
            fmt = params.pop("fmt")
            params.update(int_bits=fmt.int_bits, frac_bits=fmt.frac_bits)
        return unit.replace(**params) if params else unit
    if not isinstance(unit, str) or unit not in PRESETS:
        raise SpecError(f"unit must be a kind ({', '.join(KINDS)}) or a preset "
                        f"({', '.join(p for p in PRESETS if p not in KINDS)}); not {unit!r}")
    return PRESETS[unit].spec(**params)
