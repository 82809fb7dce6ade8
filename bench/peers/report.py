"""Prints the peer timings as a table with the ratios the issues set goals for."""
import csv
import sys

rows = list(csv.reader(open(sys.argv[1])))
by_case = {}
for label, call, seconds, reps in rows:
    by_case.setdefault(label, {})[call] = (float(seconds), int(reps))


def find(calls, prefix):
    for call, value in calls.items():
        if call.startswith(prefix):
            return call, value[0]
    return None, None


print(f"\n{'case':<20} {'call':<58} {'median':>11}")
for label, calls in by_case.items():
    for call, (seconds, reps) in calls.items():
        print(f"{label:<20} {call:<58} {seconds * 1000:>9.2f}ms  ({reps} reps)")
print()
for label, calls in by_case.items():
    _, mw = find(calls, "floodgate mann_whitney_u")
    _, hl = find(calls, "floodgate hodges_lehmann_shift")
    _, scipy_t = find(calls, "scipy")
    _, sort_t = find(calls, "numpy sort")
    r_ci = next((s for call, (s, _) in calls.items() if "conf.int=TRUE" in call), None)
    if mw and scipy_t:
        print(f"{label}: Mann-Whitney U + p  floodgate is {scipy_t / mw:.1f}x scipy "
              f"(goal >= 30x at 1M); {mw / sort_t:.2f}x numpy's pooled sort")
    if hl and r_ci:
        print(f"{label}: Hodges-Lehmann + 98% CI  floodgate is {r_ci / hl:.0f}x R conf.int=TRUE "
              f"(goal >= 300x at 10k)")
