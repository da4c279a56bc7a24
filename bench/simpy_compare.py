#!/usr/bin/python3
"""Run the SimPy model and build/bin/virtual on the same scenario and seeds,
and print the headline metrics of both, per seed and as medians, with the
agreement the bench asks of the peer:

    /usr/bin/python3 bench/simpy_compare.py scenarios/incident.json [--seeds 1-5] [--set K=V ...]

db_hits_per_request and latency_p50_ms within 10 %, client_success_ratio
within 0.05, and the same recovery verdict (recovered or not).  Exit status
1 when one of them is off.  Run from the top of the tree after `make`.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

METRICS = ("client_requests", "client_success_ratio", "latency_p50_ms", "db_hits_per_request", "recovery_s")
HERE = os.path.dirname(os.path.abspath(__file__))


def num(v):
    return None if v in ("", "-") else float(v)


def virtual(scenario, seed, sets, out):
    cmd = [os.path.join(HERE, "..", "build", "bin", "virtual"), "--scenario", scenario, "--out", out,
           "--seed", str(seed), "--records", "summary", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    got = {}
    with open(os.path.join(out, "summary.csv")) as f:
        for line in f:
            name, value = line.split(",")[:2]
            if name in METRICS:
                got[name] = num(value)
    return got


def model(scenario, seed, sets):
    cmd = [sys.executable, os.path.join(HERE, "simpy_model.py"), scenario, "--seed", str(seed)]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        name, value = line.split()
        if name in METRICS + ("events", "sim_s"):
            got[name] = num(value)
    return got


def seeds_of(text):
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in text.split(",")]


def med(values):
    """Median over seeds; recovery_s: None (never) counts as +inf."""
    vals = [v if v is not None else float("inf") for v in values]
    m = statistics.median(vals)
    return None if m == float("inf") else m


DECIMALS = {"client_requests": 0, "client_success_ratio": 4, "latency_p50_ms": 1, "db_hits_per_request": 3,
            "recovery_s": 3}


def fmt(v, k):
    return "-" if v is None else "%.*f" % (DECIMALS[k], v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    c_rows, p_rows = [], []
    with tempfile.TemporaryDirectory(prefix="simpy_compare.") as tmp:
        for seed in seeds_of(a.seeds):
            c_rows.append(virtual(a.scenario, seed, a.set, os.path.join(tmp, str(seed))))
            p_rows.append(model(a.scenario, seed, a.set))
            print("seed %-3d virtual: %s" % (seed, "  ".join("%s %s" % (k, fmt(c_rows[-1].get(k), k)) for k in METRICS)))
            print("         simpy:   %s  (events %d, sim_s %.3f)" % (
                "  ".join("%s %s" % (k, fmt(p_rows[-1].get(k), k)) for k in METRICS),
                p_rows[-1]["events"], p_rows[-1]["sim_s"]))
    print()
    print("| metric (median of seeds %s) | virtual | simpy | difference | tolerance | ok |" % a.seeds)
    print("|---|---|---|---|---|---|")
    bad = 0
    for k in METRICS[1:]:
        c, p = med([r.get(k) for r in c_rows]), med([r.get(k) for r in p_rows])
        if k == "recovery_s":
            ok = (c is None) == (p is None)
            diff, tol = "", "same verdict"
        elif k == "client_success_ratio":
            ok = abs(p - c) <= 0.05
            diff, tol = "%+.4f" % (p - c), "0.05"
        else:
            rel = (p - c) / c if c else float("inf")
            ok = abs(rel) <= 0.10
            diff, tol = "%+.1f %%" % (100 * rel), "10 %"
        bad += not ok
        print("| %s | %s | %s | %s | %s | %s |" % (k, fmt(c, k), fmt(p, k), diff, tol, "yes" if ok else "NO"))
    print("| sim_s of the model (median) | | %.3f | | | |" % statistics.median(r["sim_s"] for r in p_rows))
    print("| events of the model (median) | | %d | | | |" % statistics.median(r["events"] for r in p_rows))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
