#pragma once
// Brent's root finder in the form R's uniroot() uses (Brent 1973, "Algorithms for Minimization
// without Derivatives", ch. 4; the zeroin of Forsythe, Malcolm & Moler 1977). floodgate uses it
// two ways: with tol = 0 as a precise solver, and with R's own tolerances where a case must
// reproduce what R (or Kayenta, whose BrentSolver follows the same algorithm) returned.

#include <cmath>
#include <limits>

namespace floodgate::analysis::detail {

struct root_result {
  double root = std::numeric_limits<double>::quiet_NaN();
  int iterations = 0;
  bool converged = false;
};

// Requires f(ax) = fa and f(bx) = fb of opposite signs (or one of them zero).
template <class F>
root_result zeroin(F&& f, double ax, double bx, double fa, double fb, double tol,
                   int max_iter = 1000) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  double a = ax;
  double b = bx;
  double c = a;
  double fc = fa;
  if (fa == 0.0) return {a, 0, true};
  if (fb == 0.0) return {b, 0, true};
  for (int it = 1; it <= max_iter + 1; ++it) {
    const double prev_step = b - a;
    if (std::fabs(fc) < std::fabs(fb)) {  // make b the best approximation so far
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol_act = 2.0 * eps * std::fabs(b) + tol / 2.0;
    double new_step = (c - b) / 2.0;
    if (std::fabs(new_step) <= tol_act || fb == 0.0) return {b, it, true};

    // Interpolate (secant or inverse quadratic) when the last step was large enough and went the
    // right way; accept the interpolated step only when it stays well inside [b, c].
    if (std::fabs(prev_step) >= tol_act && std::fabs(fa) > std::fabs(fb)) {
      const double cb = c - b;
      double p = 0.0;
      double q = 0.0;
      if (a == c) {
        const double t1 = fb / fa;
        p = cb * t1;
        q = 1.0 - t1;
      } else {
        const double qa = fa / fc;
        const double t1 = fb / fc;
        const double t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
        q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
      }
      if (p > 0.0) {
        q = -q;
      } else {
        p = -p;
      }
      if (p < (0.75 * cb * q - std::fabs(tol_act * q) / 2.0) &&
          p < std::fabs(prev_step * q / 2.0)) {
        new_step = p / q;
      }
    }
    if (std::fabs(new_step) < tol_act) new_step = new_step > 0.0 ? tol_act : -tol_act;
    a = b;
    fa = fb;
    b += new_step;
    fb = f(b);
    if ((fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0)) {
      c = a;
      fc = fa;
    }
  }
  return {b, max_iter, false};
}

// R's uniroot(f, c(lo, hi), tol): evaluates the end points itself. No sign change → NaN.
template <class F>
root_result uniroot(F&& f, double lo, double hi, double tol = 1.220703125e-4, int max_iter = 1000) {
  const double flo = f(lo);
  const double fhi = f(hi);
  if (std::isnan(flo) || std::isnan(fhi) || (flo > 0.0 && fhi > 0.0) || (flo < 0.0 && fhi < 0.0)) {
    return {};
  }
  return zeroin(f, lo, hi, flo, fhi, tol, max_iter);
}

// A precise solve: the root to (nearly) full double precision.
template <class F>
double solve_precise(F&& f, double lo, double hi) {
  return uniroot(f, lo, hi, 0.0, 2000).root;
}

}  // namespace floodgate::analysis::detail
