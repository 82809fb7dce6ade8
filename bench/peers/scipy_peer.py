"""SciPy's side of the peer comparison: scipy.stats.mannwhitneyu(method='asymptotic').

Run by bench/peers/run with PYTHONPATH pointing at the private SciPy prefix. Prints CSV rows
case,call,median_s,reps for the inputs peer-floodgate wrote.
"""
import statistics
import sys
import time

import numpy as np
import scipy
from scipy import stats

CASES = [(10000, "continuous", 21), (10000, "ties", 21), (1000000, "continuous", 5),
         (1000000, "ties", 5)]


def median_seconds(reps, f):
    f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(directory):
    for n, kind, reps in CASES:
        label = f"{n}_{kind}"
        x = np.fromfile(f"{directory}/{label}_x.f64", dtype=np.float64, count=n)
        y = np.fromfile(f"{directory}/{label}_y.f64", dtype=np.float64, count=n)
        t = median_seconds(reps, lambda: stats.mannwhitneyu(x, y, method="asymptotic"))
        print(f"{label},scipy {scipy.__version__} mannwhitneyu(method='asymptotic'),{t:.6g},{reps}")
        t = median_seconds(reps, lambda: np.sort(np.concatenate([x, y])))
        print(f"{label},numpy sort of the pooled sample,{t:.6g},{reps}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
