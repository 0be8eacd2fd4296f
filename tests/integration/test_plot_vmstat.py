"""tools/plot-vmstat: samples vmstat/meminfo during a pressure workload and
draws them.

One short run (a 64 MiB guest with 96 MiB of swap: fill 96 MiB, then a hog
the OOM killer takes) must leave a PNG and a CSV whose samples show the
pressure: pswpout grows, swap gets used, one OOM kill is counted.
"""
import csv
import os
import subprocess

import pytest

from conftest import ROOT

PLOT = os.path.join(ROOT, "tools", "plot-vmstat")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    out = tmp_path_factory.mktemp("plot") / "pressure.png"
    r = subprocess.run(
        [PLOT, "--no-build", "--accel", os.environ.get("PAGERK_ACCEL", "tcg"),
         "--mem", "64M", "--swap", "96M", "-o", str(out),
         "--phase", "run swaptest fill 96", "--phase", "run swaptest oom 16"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=900)
    csv_path = out.with_suffix(".csv")
    rows = []
    if csv_path.exists():
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
    return {"status": r.returncode, "log": r.stdout, "png": out, "rows": rows}


def test_exit_status(plotted):
    assert plotted["status"] == 0, plotted["log"]


def test_png_written(plotted):
    png = plotted["png"]
    assert png.exists(), plotted["log"]
    with open(png, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    assert png.stat().st_size > 10000


def test_csv_has_samples(plotted):
    rows = plotted["rows"]
    assert len(rows) >= 5, plotted["log"]
    for key in ("t", "phase", "MemFree", "AnonPages", "SwapCached",
                "SwapTotal", "SwapFree", "kswapd_wakeup", "oom_kill"):
        assert key in rows[0], key
    times = [float(r["t"]) for r in rows]
    assert times == sorted(times)
    assert {r["phase"] for r in rows} == {"0", "1"}


def test_csv_shows_pressure(plotted):
    rows = plotted["rows"]
    assert len(rows) >= 2, plotted["log"]
    first, last = rows[0], rows[-1]
    assert int(last["pswpout"]) > int(first["pswpout"]) + (16 << 8)
    assert max(int(r["SwapTotal"]) - int(r["SwapFree"]) for r in rows) > 16 << 10
    assert int(last["kswapd_wakeup"]) > int(first["kswapd_wakeup"])
    assert int(last["oom_kill"]) - int(first["oom_kill"]) >= 1
