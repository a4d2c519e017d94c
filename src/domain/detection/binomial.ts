// R10: the p-value of the peer-share and share-jump signals — how likely a
// window would give at least k "very satisfied" of its n active ratings if
// each were "very satisfied" with its peers' (or its own earlier) rate p.
// Counted in log space so that a month of a busy window (n up to 100,000) and
// tails far below 1e-300 stay exact: the probability of one count by Loader's
// saddle-point form (as R's dbinom: no cancelling of huge log-factorials),
// then the neighbouring terms by their ratio, stopping once they no longer
// change the sum.

const LN_2PI = Math.log(2 * Math.PI);
const LN_SQRT_2PI = 0.5 * LN_2PI;

/** log(n!) − log(√(2π n) (n/e)^n) for n ≤ 15, worked out once from the factorials. */
const SMALL_STIRLING_ERRORS = Array.from({ length: 16 }, (_, n) => {
  if (n === 0) return 0;
  let logFactorial = 0;
  for (let i = 2; i <= n; i++) logFactorial += Math.log(i);
  return logFactorial - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
});

/** The error of Stirling's formula for n! (n a whole number), by its series above 15. */
function stirlingError(n: number): number {
  if (n <= 15) return SMALL_STIRLING_ERRORS[n]!;
  const nn = n * n;
  const [s0, s1, s2, s3, s4] = [1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188];
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** x log(x/m) + m − x, by a series when x is near m (where the plain form cancels). */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let sum = (x - m) * v;
    let term = 2 * x * v;
    for (let j = 1; j < 1000; j++) {
      term *= v * v;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
    return sum;
  }
  return x * Math.log(x / m) + m - x;
}

/** log P(X = k) for X ~ Binomial(n, p); 0 < p < 1, 0 ≤ k ≤ n whole numbers. */
export function logBinomialProbability(k: number, n: number, p: number): number {
  const q = 1 - p;
  if (k === 0) return n * Math.log1p(-p);
  if (k === n) return n * Math.log(p);
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, n * p) - deviance(n - k, n * q);
  const lf = LN_2PI + Math.log(k) + Math.log1p(-k / n);
  return lc - 0.5 * lf;
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p): the one-sided upper tail. Right of the
 * mean the terms from k upward are summed (each smaller than the last);
 * left of it, 1 − P(X ≤ k − 1) summed downward, which is exact enough there
 * (the tail is then at least about ½). Whole numbers n ≥ 0 and k; 0 ≤ p ≤ 1.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const q = 1 - p;
  if (k > n * p) {
    const ratio = p / q;
    let term = 1;
    let sum = 1;
    for (let i = k; i < n; i++) {
      term *= ((n - i) / (i + 1)) * ratio;
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return Math.min(1, Math.exp(logBinomialProbability(k, n, p) + Math.log(sum)));
  }
  const ratio = q / p;
  let term = 1;
  let sum = 1;
  for (let i = k - 1; i > 0; i--) {
    term *= (i / (n - i + 1)) * ratio;
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return Math.max(0, 1 - Math.exp(logBinomialProbability(k - 1, n, p) + Math.log(sum)));
}
