"""Merges one scripts/bench run into bench/results/<date>.json and prints the goals' table.

    python3 bench/results.py RAW_DIR OUT_JSON

RAW_DIR holds the Google Benchmark JSON of each suite (<suite>.json) and, when the peers ran,
peers.csv (case, call, median seconds, repetitions). Every figure comes from this one run."""
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from report import read_timings  # noqa: E402  (bench/peers/report.py: one reader of the CSV)

raw, out_path = sys.argv[1], sys.argv[2]


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "compiler": compiler.splitlines()[0] if compiler else "",
    }


def commit():
    r = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip()


NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

suites = {}
context = None
for name in sorted(os.listdir(raw)):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(raw, name)) as f:
        data = json.load(f)
    context = context or data.get("context", {})
    rows = []
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        scale = NS[b.get("time_unit", "ns")]
        row = {
            "name": b["name"],
            "real_time_ns": b["real_time"] * scale,
            "cpu_time_ns": b["cpu_time"] * scale,
            "iterations": b["iterations"],
        }
        for k, v in b.items():
            if k not in row and isinstance(v, (int, float)) and k not in (
                "real_time", "cpu_time", "family_index", "per_family_instance_index",
                "repetitions", "repetition_index", "threads"):
                row[k] = v
        rows.append(row)
    suites[name[:-5]] = rows

peers = []
peers_csv = os.path.join(raw, "peers.csv")
if os.path.exists(peers_csv):
    for case, call, seconds, reps, result in read_timings(peers_csv):
        entry = {"case": case, "call": call, "seconds": seconds, "repetitions": reps}
        if result is not None:
            entry["result"] = result
        peers.append(entry)


def bench(suite, name):
    for row in suites.get(suite, []):
        if row["name"] == name:
            return row
    return None


def peer(case, prefix):
    for p in peers:
        if p["case"] == case and p["call"].startswith(prefix):
            return p["seconds"]
    return None


goals = []


def goal(what, value, unit, target, met, how):
    goals.append({"what": what, "value": value, "unit": unit, "goal": target, "met": met,
                  "how": how})


mw = peer("1000000_continuous", "floodgate mann_whitney_u")
scipy = peer("1000000_continuous", "scipy")
if mw and scipy:
    goal("Mann-Whitney U + p, 1M vs 1M, against SciPy", scipy / mw, "x faster", ">= 30",
         scipy / mw >= 30, "bench/peers: scipy mannwhitneyu(method='asymptotic') / floodgate")
hl = peer("10000_continuous", "floodgate hodges_lehmann_shift")
r_ci = peer("10000_continuous", "R 4.2.2 wilcox.test(conf.int=TRUE")
if hl and r_ci:
    goal("Hodges-Lehmann + 98 % CI, 10k vs 10k, against R", r_ci / hl, "x faster", ">= 300",
         r_ci / hl >= 300, "bench/peers: R wilcox.test(conf.int=TRUE) / floodgate")
mw_b = bench("analysis", "BM_mann_whitney_u/1000000/0")
sort_b = bench("analysis", "BM_sort_pooled/1000000/0")
if mw_b and sort_b:
    r = mw_b["real_time_ns"] / sort_b["real_time_ns"]
    goal("Mann-Whitney U + p, 1M vs 1M, against sorting the pooled sample", r, "x the sort",
         "<= 1.5", r <= 1.5, "analysis-bench: BM_mann_whitney_u / BM_sort_pooled")
for kernel, name in (("count e-value", "BM_batch_count_e_value/100000"),
                     ("two-proportion z + p", "BM_batch_two_proportion_z/100000")):
    b = bench("analysis", name)
    if b and "items_per_second" in b:
        rate = b["items_per_second"] / 1e6
        goal(f"batch {kernel}", rate, "million comparisons/s/core", ">= 50", rate >= 50,
             f"analysis-bench: {name}")
mc = bench("sim", "monte_carlo_30m/10000/2/iterations:1/real_time")
if mc:
    s = mc["real_time_ns"] / 1e9
    goal("Monte Carlo: 10 000 runs of a 30-minute 3-metric canary, 2 threads", s, "s", "<= 2",
         s <= 2, "sim-bench: monte_carlo_30m/10000/2")
read_b = bench("sim", "read_day")
replay_b = bench("sim", "replay_day")
if read_b and replay_b:
    s = (read_b["real_time_ns"] + replay_b["real_time_ns"]) / 1e9
    goal("replay a day of 15 s data for 100 series (read + replay)", s, "s", "< 1", s < 1,
         "sim-bench: read_day + replay_day")

record = {
    "date": (context or {}).get("date", ""),
    "commit": commit(),
    "machine": machine(),
    "build": "Release (scripts/bench: build-release/)",
    "goals": goals,
    "suites": suites,
    "peers": peers,
}
os.makedirs(os.path.dirname(out_path), exist_ok=True)
with open(out_path, "w") as f:
    json.dump(record, f, indent=1)
    f.write("\n")

print(f"\n{'goal':<72} {'value':>10}  {'target':<10} met")
for g in goals:
    print(f"{g['what']:<72} {g['value']:>10.3g}  {g['goal']:<10} {'yes' if g['met'] else 'no'}"
          f"   ({g['unit']})")
