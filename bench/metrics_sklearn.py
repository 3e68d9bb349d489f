# scikit-learn's side of bench/metrics_vs_sklearn.sh: times the same nine evaluation metrics
# that `mlctl-bench metrics` times, on ROWS rows of the same distribution (numpy draws, not the
# same draws as mlctl's generator), best of 3, and prints the comparison table with mlctl's
# figures (best of its runs, one JSON line each, in MLCTL_JSON).
#   python bench/metrics_sklearn.py ROWS MLCTL_JSON
import json, sys, time
import numpy as np
from sklearn.metrics import (auc, average_precision_score, brier_score_loss, f1_score, log_loss,
                             precision_recall_curve, roc_auc_score, roc_curve)

n, mlctl_json = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
signal = rng.standard_normal(n)
y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * signal - 2.6)))).astype(np.uint8)
p = 1 / (1 + np.exp(-(1.2 * signal - 2.4 + 0.5 * rng.standard_normal(n))))
del signal

def pr_auc():
    precision, recall, _ = precision_recall_curve(y, p)
    return auc(recall, precision)

def ks():
    fpr, tpr, _ = roc_curve(y, p)
    return (tpr - fpr).max()

def ece(bins=10):  # equal-width bins [i/10, (i+1)/10), the last one also holds 1
    b = np.digitize(p, np.linspace(0, 1, bins + 1)[1:-1])
    return np.abs(np.bincount(b, p, bins) - np.bincount(b, y, bins)).sum() / n

def lift_top10():
    k = int(np.ceil(0.1 * n))
    top = np.argsort(-p, kind="stable")[:k]
    return y[top].sum() / y.sum() / (k / n)

metrics = {"roc_auc": lambda: roc_auc_score(y, p), "pr_auc": pr_auc,
           "average_precision": lambda: average_precision_score(y, p),
           "log_loss": lambda: log_loss(y, p), "brier": lambda: brier_score_loss(y, p),
           "ks": ks, "ece": ece, "lift_top10": lift_top10,
           "f1_at_0.5": lambda: f1_score(y, p >= 0.5)}
best = {name: float("inf") for name in metrics}
best_total, values = float("inf"), {}
for _ in range(3):
    total = 0.0
    for name, f in metrics.items():
        start = time.perf_counter()
        values[name] = f()
        elapsed = time.perf_counter() - start
        best[name], total = min(best[name], elapsed), total + elapsed
    best_total = min(best_total, total)

runs = [json.loads(line) for line in open(mlctl_json) if line.strip()]
ours = min(runs, key=lambda r: r["metrics_total_s"])  # mlctl's best run (by its total)
print(f"rows {n:,}; best of 3 on each side; mlctl times all nine metrics together")
print("| step | mlctl s | sklearn s | sklearn / mlctl |")
print("|---|---:|---:|---:|")
print(f"| mlctl check + sort (ScoredRows) | {ours['check_and_sort_s']:.3f} | | |")
print(f"| mlctl all nine metrics on sorted rows | {ours['all_metrics_s']:.3f} | | |")
for name in metrics:
    print(f"| sklearn {name} | | {best[name]:.3f} | |")
print(f"| **total** | **{ours['metrics_total_s']:.3f}** | **{best_total:.3f}** | "
      f"**{best_total / ours['metrics_total_s']:.1f}x** |")
print(f"ROC AUC: mlctl {ours['roc_auc']:.5f}, sklearn {values['roc_auc']:.5f} "
      f"(different draws of the same distribution; |diff| {abs(ours['roc_auc'] - values['roc_auc']):.1e})")
print("sklearn values: " + ", ".join(f"{k} {float(v):.4f}" for k, v in values.items()))
