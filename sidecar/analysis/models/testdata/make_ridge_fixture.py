#!/usr/bin/python3
"""Regenerates ridge_fixture.txt: scikit-learn's Ridge on standardized features, the reference
for cpu_model_test.cc. Our penalty is lambda * n on standardized columns (population stddev),
which is sklearn's alpha = lambda * n with StandardScaler.

Usage: /usr/bin/python3 make_ridge_fixture.py (Debian python3-sklearn) > ridge_fixture.txt
Format: line 1 "n p lambda"; n lines of p features then the CPU value; then a line with the p
coefficients in original units followed by the intercept; then the training R^2.
"""
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20261126)
n, p, lam = 80, 6, 0.01
msgs = 20000 * (1 + 0.5 * np.sin(np.arange(n) / 10.0)) * (1 + 0.1 * rng.standard_normal(n))
size = 800 + 200 * rng.random(n)
x = np.column_stack([
    msgs * size,
    msgs * size * (1.5 + 1.5 * rng.random(n)),
    msgs * size * (1.8 + 0.4 * rng.random(n)),
    msgs / (20 + 30 * rng.random(n)),
    1500 + 500 * rng.random(n),
    msgs,
])
truth = np.array([6e-9, 1.5e-9, 3e-9, 2e-5, 1e-5, 2e-7])
y = 0.04 + x @ truth + 0.01 * rng.standard_normal(n)

scaler = StandardScaler()  # population stddev, like ours
z = scaler.fit_transform(x)
model = Ridge(alpha=lam * n, fit_intercept=True).fit(z, y)
coef = model.coef_ / scaler.scale_
intercept = model.intercept_ - np.dot(coef, scaler.mean_)
r2 = model.score(z, y)

print(n, p, repr(lam))
for i in range(n):
    print(" ".join(repr(float(v)) for v in x[i]), repr(float(y[i])))
print(" ".join(repr(float(c)) for c in coef), repr(float(intercept)))
print(repr(float(r2)))
