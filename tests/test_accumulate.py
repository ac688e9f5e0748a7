"""Golden sequential summation, plain and compensated, against float64 and against golden.add."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.golden.accumulate import Accumulator, interleaved_sum, lns_sum

FMT = LNSFormat(int_bits=5, frac_bits=10)


def test_plain_sum_is_a_chain_of_golden_adds():
    rng = np.random.default_rng(3)
    x = golden.from_float(FMT, rng.normal(size=(50, 4)))
    expected = np.full(4, FMT.zero)
    for row in x:
        expected = golden.add(FMT, expected, row)
    assert (lns_sum(FMT, x, axis=0) == expected).all()
    assert (lns_sum(FMT, x.T, axis=-1) == expected).all()


def test_kahan_step_is_the_textbook_sequence():
    rng = np.random.default_rng(4)
    s, c, x = (golden.from_float(FMT, rng.normal(size=20)) for _ in range(3))
    y = golden.sub(FMT, x, c)
    t = golden.add(FMT, s, y)
    c2 = golden.sub(FMT, golden.sub(FMT, t, s), y)
    got_s, got_c = Accumulator(FMT, "kahan").step(s, c, x)
    assert (got_s == t).all() and (got_c == c2).all()


def test_plain_stalls_where_compensated_keeps_counting():
    """Adding 1.0 4,000 times: plain LNS16 stops near 3,000; Kahan stays within 0.1%."""
    ones = golden.from_float(FMT, np.ones(4000))
    plain = golden.to_float(FMT, lns_sum(FMT, ones))
    kahan = golden.to_float(FMT, lns_sum(FMT, ones, compensation="kahan"))
    assert 2500 < plain < 3500
    assert abs(kahan - 4000) / 4000 < 1e-3


def test_interleaved_order():
    rng = np.random.default_rng(5)
    x = golden.from_float(FMT, rng.uniform(0, 1, size=(3, 11)))
    assert (interleaved_sum(FMT, x, 1) == lns_sum(FMT, x)).all()
    lanes = [lns_sum(FMT, x[:, j::3]) for j in range(3)]
    expected = golden.add(FMT, golden.add(FMT, lanes[0], lanes[1]), lanes[2])
    assert (interleaved_sum(FMT, x, 3) == expected).all()


def test_bad_parameters():
    with pytest.raises(ValueError, match=r"compensation must be one of \('none', 'kahan', 'neumaier'\)"):
        Accumulator(FMT, "pairwise")
    with pytest.raises(ValueError, match="lanes must be a positive integer, not 0"):
        interleaved_sum(FMT, [FMT.zero], 0)
    with pytest.raises(ValueError, match=r"x must hold codes in \[0, 65535\]"):
        lns_sum(FMT, [70000])


def test_sumstudy_cli(tmp_path):
    lnsgen = pathlib.Path(sys.executable).with_name("lnsgen")  # the console script
    result = subprocess.run(
        [str(lnsgen), "study", "--int-bits", "5", "--frac-bits", "10", "--trials", "2",
         "--max-terms", "100", "-o", str(tmp_path)], capture_output=True, text=True,
        check=False)
    assert result.returncode == 0, result.stderr
    assert "| lns16_i5f10 | constant | kahan |" in result.stdout
    assert (tmp_path / "reports" / "sumstudy.png").stat().st_size > 1000
    bad = subprocess.run([str(lnsgen), "study", "--int-bits", "0"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
