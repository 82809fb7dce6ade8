"""SciPy's and NumPy's side of the peer comparison, on the inputs peer-floodgate wrote:
scipy.stats mannwhitneyu(method='asymptotic'), ttest_ind(equal_var=False), fisher_exact and
binomtest; and NumPy implementations (ours, written from shared/reference/statistics.md, with
scipy.special) of the count e-value (§2.2) and the sequential quantile test (§2.5 item 2), as a
vectorised NumPy user would write them.

Run by bench/peers/run with PYTHONPATH pointing at the private SciPy prefix. Prints CSV rows
case,call,median_s,reps[,result] (result: the same figure peer-floodgate prints, to compare).
"""
import statistics
import sys
import time

import numpy as np
import scipy
from scipy import special, stats

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


def count_log_e_values(xb, xc, share, k):
    """statistics.md §2.2: log E = Σ lgamma(aᵢ+xᵢ) − lgamma(aᵢ) − xᵢ log ρᵢ − lgamma(k+X) + lgamma(k)."""
    total = xb + xc
    log_e = special.gammaln(k) - special.gammaln(k + total)
    for x, r in ((xb, 1.0 - share), (xc, share)):
        a = k * r
        log_e += special.gammaln(a + x) - special.gammaln(a) - x * np.log(r)
    return np.where(total == 0, 0.0, log_e)


def quantile_ab_p_value(a, b, p, t_opt, alpha_opt=0.05):
    """statistics.md §2.5 item 2 (Howard & Ramdas 2022), two-sided, over the pooled values."""
    g, h = p, 1.0 - p
    l = 2.0 * np.log(1.0 / alpha_opt)
    rho = t_opt * g * h / (l + np.log1p(l))
    r = max(rho - g * h, 1e-3 * g * h)
    xa, xb = np.sort(a), np.sort(b)
    values = np.unique(np.concatenate([xa, xb]))

    def log_m(below, n):
        s, v = below - p * n, g * h * n
        a1, b1 = (r + v - g * s) / g, (r + v + h * s) / h
        with np.errstate(invalid="ignore"):
            out = (-(v + h * s) / h * np.log(g) - (v - g * s) / g * np.log(h)
                   + special.betaln(a1, b1) - special.betaln(r / g, r / h))
        return np.where((a1 > 0) & (b1 > 0), out, np.inf)

    ma = np.minimum(log_m(np.searchsorted(xa, values, "left").astype(float), len(xa)),
                    log_m(np.searchsorted(xa, values, "right").astype(float), len(xa)))
    mb = np.minimum(log_m(np.searchsorted(xb, values, "left").astype(float), len(xb)),
                    log_m(np.searchsorted(xb, values, "right").astype(float), len(xb)))
    best = np.min(ma + mb)
    return min(1.0, float(np.exp(-best)))


def counts(directory):
    read = lambda name: np.fromfile(f"{directory}/counts_{name}.f64", dtype=np.float64)
    x1, n1, x2, n2 = read("x1"), read("n1"), read("x2"), read("n2")
    rows = 2000
    label = f"tables_{rows}"
    t1 = [(int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i])) for i in range(rows)]
    total = [0.0]

    def fisher():
        total[0] = sum(stats.fisher_exact([[a, n - a], [c, m - c]]).pvalue for a, n, c, m in t1)

    t = median_seconds(5, fisher)
    print(f"{label},scipy {scipy.__version__} fisher_exact,{t:.6g},5,{total[0]:.17g}")

    def binom():
        total[0] = sum(stats.binomtest(a, n, (c + 1.0) / (m + 2.0)).pvalue for a, n, c, m in t1)

    t = median_seconds(5, binom)
    print(f"{label},scipy {scipy.__version__} binomtest,{t:.6g},5,{total[0]:.17g}")
    sys.stdout.flush()

    share = n1 / (n1 + n2)
    label = f"batch_{len(x1)}"
    out = [None]

    def e_values():
        out[0] = count_log_e_values(x2, x1, share, 100.0)

    t = median_seconds(21, e_values)
    print(f"{label},numpy count e-value (scipy.special.gammaln),{t:.6g},21,{float(np.sum(out[0])):.17g}")
    sys.stdout.flush()


def main(directory):
    for n, kind, reps in CASES:
        label = f"{n}_{kind}"
        x = np.fromfile(f"{directory}/{label}_x.f64", dtype=np.float64, count=n)
        y = np.fromfile(f"{directory}/{label}_y.f64", dtype=np.float64, count=n)
        t = median_seconds(reps, lambda: stats.mannwhitneyu(x, y, method="asymptotic"))
        print(f"{label},scipy {scipy.__version__} mannwhitneyu(method='asymptotic'),{t:.6g},{reps}")
        t = median_seconds(reps, lambda: np.sort(np.concatenate([x, y])))
        print(f"{label},numpy sort of the pooled sample,{t:.6g},{reps}")
        if kind == "continuous":
            w = stats.ttest_ind(x, y, equal_var=False).pvalue
            t = median_seconds(reps, lambda: stats.ttest_ind(x, y, equal_var=False))
            print(f"{label},scipy {scipy.__version__} ttest_ind(equal_var=False),{t:.6g},{reps},{w:.17g}")
            q = quantile_ab_p_value(x, y, 0.99, float(n))
            t = median_seconds(reps, lambda: quantile_ab_p_value(x, y, 0.99, float(n)))
            print(f"{label},numpy sequential quantile test p99,{t:.6g},{reps},{q:.17g}")
        sys.stdout.flush()
    counts(directory)


if __name__ == "__main__":
    main(sys.argv[1])
