"""Compares sampler-benchmark results (the JSON that `mlctl-bench tune` and
bench/tuning_optuna.py write) and prints Markdown tables.

  python bench/tuning_compare.py OURS.json THEIRS.json [MORE.json ...]

The first file is "ours"; every other file is compared with it. For each budget: a table of
best values found (rows = function, columns = library x sampler, cells = median [Q1, Q3]
over seeds, quantiles with numpy's default linear interpolation), then a verdict table:
ours vs theirs for tpe, tpe_multivariate and gp (the same sampler name on both sides):
"ours <= theirs" judged on the medians ("yes"/"no"), with the two-sided Mann-Whitney U
p-value (scipy) of the two samples, so that differences within noise are visible. Last, the
sampler overhead tables (ms per trial, sampler time only): the median over seeds of the mean
over all 100 trials and of the mean over trials 91-100, and (TPE) trials 191-200 of a
200-trial study with seed 0, for each of those keys that a file has.

A sampler entry's own "seeds" list, when present, overrides the file's top-level "seeds"
(the GP side may run on fewer seeds); n is shown in the column header when it differs.
"""
import json
import sys

import numpy as np
from scipy.stats import mannwhitneyu

VERDICT_SAMPLERS = ("tpe", "tpe_multivariate", "gp")
SAMPLER_ORDER = ("tpe", "tpe_multivariate", "gp", "random")
FUNCTION_ORDER = ("branin", "hartmann6", "rosenbrock5", "ackley10", "mixed")


def ordered(names, order):
    return [n for n in order if n in names] + sorted(n for n in names if n not in order)


def fmt(x):
    return f"{x:.5g}"


def quartiles(values):
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return med, q1, q3


def cell(values):
    med, q1, q3 = quartiles(values)
    return f"{fmt(med)} [{fmt(q1)}, {fmt(q3)}]"


def entry(doc, function, sampler):
    return doc["results"].get(function, {}).get(sampler)


def n_seeds(doc, e):
    return len(e.get("seeds", doc["seeds"]))


def main(paths):
    if len(paths) < 2:
        sys.exit(__doc__)
    docs = []
    for path in paths:
        with open(path) as f:
            docs.append(json.load(f))
    ours, others = docs[0], docs[1:]
    functions = ordered({f for d in docs for f in d["results"]}, FUNCTION_ORDER)
    columns = []  # (doc, sampler)
    for d in docs:
        samplers = {s for per in d["results"].values() for s in per}
        columns += [(d, s) for s in ordered(samplers, SAMPLER_ORDER)]

    def header(d, s):
        ns = {n_seeds(d, e) for f in functions if (e := entry(d, f, s))}
        suffix = f" (n={'/'.join(map(str, sorted(ns)))})" if ns != {len(d["seeds"])} else ""
        return f"{d['library']} {s}{suffix}"

    budgets = sorted({int(b) for d in docs for b in d["budgets"]})
    print("Seeds: " + "; ".join(f"{d['library']} {len(d['seeds'])} ({min(d['seeds'])}..{max(d['seeds'])})" for d in docs))
    for budget in budgets:
        key = str(budget)
        print(f"\n## Best value after {budget} trials (minimised): median [Q1, Q3] over seeds\n")
        print("| function | " + " | ".join(header(d, s) for d, s in columns) + " |")
        print("|---|" + "---:|" * len(columns))
        for f in functions:
            cells = []
            for d, s in columns:
                e = entry(d, f, s)
                cells.append(cell(e["best"][key]) if e and key in e["best"] else "–")
            print(f"| {f} | " + " | ".join(cells) + " |")

        for other in others:
            pairs = [s for s in VERDICT_SAMPLERS
                     if any(entry(ours, f, s) and entry(other, f, s) for f in functions)]
            if not pairs:
                continue
            print(f"\n### {ours['library']} vs {other['library']}, {budget} trials: ours ≤ theirs on medians; "
                  f"Mann-Whitney U two-sided p\n")
            print("| function | " + " | ".join(pairs) + " |")
            print("|---|" + "---|" * len(pairs))
            wins = {s: [0, 0] for s in pairs}
            for f in functions:
                cells = []
                for s in pairs:
                    a, b = entry(ours, f, s), entry(other, f, s)
                    if not (a and b and key in a["best"] and key in b["best"]):
                        cells.append("–")
                        continue
                    x, y = np.asarray(a["best"][key], float), np.asarray(b["best"][key], float)
                    mx, my = np.median(x), np.median(y)
                    ok = mx <= my
                    wins[s][0] += ok
                    wins[s][1] += 1
                    try:
                        p = mannwhitneyu(x, y, alternative="two-sided").pvalue
                    except ValueError:  # all values identical on both sides
                        p = 1.0
                    p_text = "nan" if np.isnan(p) else f"{p:.2g}"
                    cells.append(f"{'yes' if ok else 'no'} ({fmt(mx)} vs {fmt(my)}, p={p_text})")
                print(f"| {f} | " + " | ".join(cells) + " |")
            print("| ours ≤ theirs | " + " | ".join(f"{w}/{n}" for w, n in wins.values()) + " |")

    overheads = [("overhead_ms_per_trial", "mean over the 100 trials (study time minus objective time)"),
                 ("overhead_ms_trials_91_100", "mean over trials 91-100"),
                 ("overhead_ms_trials_191_200", "mean over trials 191-200 of one 200-trial study, seed 0")]
    for key, what in overheads:
        if not any(key in e for d in docs for per in d["results"].values() for e in per.values()):
            continue
        shown = [(d, s) for d, s in columns if any(key in (entry(d, f, s) or {}) for f in functions)]
        median = "" if key.endswith("191_200") else "median over seeds of the "
        print(f"\n## Sampler overhead, ms per trial: {median}{what}\n")
        print("| function | " + " | ".join(header(d, s) for d, s in shown) + " |")
        print("|---|" + "---:|" * len(shown))
        for f in functions:
            cells = []
            for d, s in shown:
                e = entry(d, f, s) or {}
                cells.append(f"{e[key]:.3g}" if key in e else "–")
            print(f"| {f} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main(sys.argv[1:])
