"""High-precision values of the BG/NBD conditional expectation, for the hyp2f1 range tests.

Evaluates the paper's form (Fader, Hardie & Lee 2005, eq. 10, alive part)

    (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]

with mpmath at 60 digits on random and deliberately awkward parameter sets (large
x, long horizons, a close to 1) and writes mpmath_expected_purchases.json. Needs
only mpmath (`pip install mpmath` in a throwaway environment):

    python tests/insights/reference/mpmath_expected_purchases.py
"""

import json
import random
from importlib.metadata import version
from pathlib import Path

import mpmath as mp

mp.mp.dps = 60
HERE = Path(__file__).resolve().parent


def alive_expectation(r, alpha, a, b, x, big_t, t):
    r, alpha, a, b, x, big_t, t = (mp.mpf(v) for v in (r, alpha, a, b, x, big_t, t))
    z = t / (alpha + big_t + t)
    power = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
    return (a + b + x - 1) / (a - 1) * (1 - power * mp.hyp2f1(r + x, b + x, a + b + x - 1, z))


def cases():
    rng = random.Random(20050101)
    awkward = [
        # (r, alpha, a, b, x, T, t)
        (0.243, 4.414, 0.793, 2.426, 0, 38.86, 39),
        (0.243, 4.414, 0.793, 2.426, 300, 38.86, 39),
        (0.243, 4.414, 0.793, 2.426, 300, 38.86, 5000),
        (0.243, 4.414, 0.793, 2.426, 0, 0, 5000),
        (5.0, 0.1, 0.793, 2.426, 150, 100, 1000),
        (0.05, 100.0, 4.0, 0.2, 1, 1, 0.001),
        (0.243, 4.414, 1.00001, 2.426, 3, 30, 39),
        (0.243, 4.414, 0.99995, 2.426, 3, 30, 39),
        (0.243, 4.414, 25.0, 80.0, 10, 30, 520),
        (2.0, 1.0, 0.1, 0.1, 50, 52, 104),
        # scipy's hyp2f1 overflows here (c ~ 100, z near 1): heavy buyers, long horizons
        (0.0625, 0.0625, 0.0625, 0.5, 99, 0, 1),
        (0.243, 4.414, 0.793, 2.426, 200, 10, 5000),
        (1.0, 1.0, 40.0, 40.0, 500, 1, 100000),
        # a > x + r + 1: the paper's form is the convergent one
        (0.0068, 1.0, 74.1, 0.343, 5, 0, 5.2e6),
        (0.76, 1.0, 55.8, 0.2, 0, 0, 1.3e7),
        # r - a an integer (or nearly): c - a - b of the 2F1 is an integer
        (0.3, 1.0, 0.3, 40.0, 1, 0, 999),
        (0.3 + 1e-12, 1.0, 0.3, 40.0, 1, 0, 999),
        (1.0, 1.0, 3.0, 0.9, 1, 0, 999),
        (0.01, 1.0, 0.01, 10.0, 0, 0, 999),
    ]
    randoms = []
    for _ in range(40):
        randoms.append(
            (
                round(mp.e ** rng.uniform(-3, 1.6), 6),
                round(mp.e ** rng.uniform(-2.3, 4.6), 6),
                round(mp.e ** rng.uniform(-2.3, 1.6), 6),
                round(mp.e ** rng.uniform(-2.3, 3), 6),
                rng.choice([0, 1, 2, 5, 20, 100]),
                round(rng.uniform(0, 100), 4),
                round(mp.e ** rng.uniform(-4, 7), 4),
            )
        )
    return awkward + randoms


def main() -> None:
    rows = []
    for r, alpha, a, b, x, big_t, t in cases():
        value = alive_expectation(r, alpha, a, b, x, big_t, t)
        rows.append(
            {
                "r": float(r),
                "alpha": float(alpha),
                "a": float(a),
                "b": float(b),
                "x": x,
                "T": float(big_t),
                "t": float(t),
                "expected": float(value),
            }
        )
    out = HERE / "mpmath_expected_purchases.json"
    payload = {"mpmath": version("mpmath"), "digits": mp.mp.dps, "cases": rows}
    out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(rows)} cases to {out}")


if __name__ == "__main__":
    main()
