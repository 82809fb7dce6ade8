"""Prints the peer timings as a table with the ratios the issues set goals for, and checks that
the peers computed what floodgate computed (the optional fifth column: a p-value, or a sum over
the comparisons)."""
import csv
import sys


def read_timings(path):
    """The rows of a timings CSV: (case, call, median seconds, repetitions, result or None)."""
    for r in csv.reader(open(path)):
        label, call, seconds, reps = r[:4]
        yield label, call, float(seconds), int(reps), float(r[4]) if len(r) > 4 and r[4] else None


def find(calls, prefix):
    for call, value in calls.items():
        if call.startswith(prefix):
            return call, value[0]
    return None, None


def main(path):
    by_case = {}
    for label, call, seconds, reps, result in read_timings(path):
        by_case.setdefault(label, {})[call] = (seconds, reps, result)

    print(f"\n{'case':<20} {'call':<58} {'median':>11}")
    for label, calls in by_case.items():
        for call, (seconds, reps, _) in calls.items():
            print(f"{label:<20} {call:<58} {seconds * 1000:>9.2f}ms  ({reps} reps)")
    print()
    for label, calls in by_case.items():
        _, mw = find(calls, "floodgate mann_whitney_u")
        _, hl = find(calls, "floodgate hodges_lehmann_shift")
        _, scipy_t = find(calls, "scipy 1.10.1 mannwhitneyu")
        _, sort_t = find(calls, "numpy sort")
        r_ci = next((s for call, (s, _, _) in calls.items() if "conf.int=TRUE" in call), None)
        if mw and scipy_t:
            print(f"{label}: Mann-Whitney U + p  floodgate is {scipy_t / mw:.1f}x scipy "
                  f"(goal >= 30x at 1M); {mw / sort_t:.2f}x numpy's pooled sort")
        if hl and r_ci:
            print(f"{label}: Hodges-Lehmann + 98% CI  floodgate is {r_ci / hl:.0f}x R conf.int=TRUE "
                  f"(goal >= 300x at 10k)")

    # Every other floodgate call against each peer of its case: the ratio, and whether the peer's
    # result agrees (relative 1e-6: the peers sum in other orders and stop root finders elsewhere).
    pairs = [("floodgate welch_t_test", ("scipy", "R")),
             ("floodgate quantile_ab_p_value", ("numpy",)),
             ("floodgate fisher_exact_test", ("scipy", "R")),
             ("floodgate binomial_exact_test", ("scipy", "R")),
             ("floodgate two_proportion_test", ("R",)),
             ("floodgate two_proportion_n_pooled", ("R",)),
             ("floodgate count_log_e_value_batch", ("numpy", "floodgate multinomial_log_e_value"))]
    peer_names = {"fisher_exact_test": ("fisher", "fisher.test"),
                  "binomial_exact_test": ("binomtest", "binom.test"),
                  "two_proportion_test": ("prop.test (",), "two_proportion_n_pooled": ("power.prop.test",),
                  "welch_t_test": ("ttest_ind", "t.test"), "quantile_ab_p_value": ("quantile",),
                  "count_log_e_value_batch": ("count e-value", "multinomial_log_e_value")}
    for label, calls in by_case.items():
        for ours, peers in pairs:
            mine = next(((c, v) for c, v in calls.items() if c.startswith(ours)), None)
            if not mine:
                continue
            name = ours.split()[1]
            for c, (seconds, _, result) in calls.items():
                if c == mine[0] or not any(c.startswith(p) for p in peers):
                    continue
                if not any(k in c for k in peer_names[name]):
                    continue
                agree = ""
                if result is not None and mine[1][2] is not None:
                    scale = max(1.0, abs(result))
                    same = abs(result - mine[1][2]) <= 1e-6 * scale
                    agree = "same result" if same else f"RESULT DIFFERS: {result!r} vs {mine[1][2]!r}"
                print(f"{label}: {name} floodgate is {seconds / mine[1][0]:.1f}x {c}  ({agree})")


if __name__ == "__main__":
    main(sys.argv[1])
