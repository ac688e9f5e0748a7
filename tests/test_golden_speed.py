"""The golden speed benchmark (lnsgen.golden.speed) runs and has the shape of its table; the
rates themselves are measured by running it, not asserted here."""

import json

import pytest

from lnsgen.golden import speed

OPERATIONS = ["add", "mul", "matmul 4x4x4", "from_float"]


def check_rows(result, peer):
    assert [r["operation"] for r in result["rows"]] == OPERATIONS
    assert [r["unit"] for r in result["rows"]] == ["op/s", "op/s", "MAC/s", "op/s"]
    for r in result["rows"]:
        assert r["golden"] > 0
        if peer:
            assert r["xlns"] > 0 and r["ratio"] == pytest.approx(r["golden"] / r["xlns"])
        else:
            assert r["xlns"] is None and r["ratio"] is None


def test_measure_with_and_without_the_peer(monkeypatch):
    installed = speed._xlns() is not None
    result = speed.measure(n=300, m=4, repeat=1)
    check_rows(result, peer=installed)
    assert result["format"] == "LNS17(int_bits=6, frac_bits=10)" and result["n"] == 300
    assert (result["xlns"] == speed.XLNS_VERSION) if installed else result["xlns"] is None
    monkeypatch.setattr(speed, "_xlns", lambda: None)                  # not installed
    result = speed.measure(n=300, m=4, repeat=1)
    check_rows(result, peer=False)
    text = speed.table(result)
    assert text.count("not installed") == 5 and "| add |" in text


@pytest.mark.skipif(speed._xlns() is None, reason="xlns (the 'bench' extra) is not installed")
def test_peer_precision_is_restored():
    import xlns
    before = xlns.xlnsF
    speed.measure(n=50, m=2, repeat=1, frac_bits=7)
    assert xlns.xlnsF == before


def test_main_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "speed.json"
    assert speed.main(["--n", "200", "--m", "4", "--repeat", "1", "--json", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "| operation | golden | xlns | golden / xlns |"
    assert [line.split(" | ")[0] for line in lines[4:]] == ["| " + op for op in OPERATIONS]
    data = json.loads(out.read_text())
    assert [r["operation"] for r in data["rows"]] == OPERATIONS


@pytest.mark.parametrize("argv, message", [
    (["--n", "0"], "--n must be an integer in [1, 100000000], not 0"),
    (["--repeat", "101"], "--repeat must be an integer in [1, 100], not 101"),
    (["--frac-bits", "0"], "--frac-bits must be an integer in [1, 23], not 0"),
    (["--int-bits", "9", "--frac-bits", "23"], "--int-bits + --frac-bits must be at most 31"),
])
def test_bad_arguments_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        speed.main(argv + ["--no-peer"])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
