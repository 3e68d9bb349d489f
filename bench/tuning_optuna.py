"""Optuna's side of the sampler benchmark (bench/tuning_vs_optuna.sh; mlctl's side is
`mlctl-bench tune`, bench/Sources/mlctl-bench/TuningBench.swift, which defines the same suite).

The suite. Every function is minimised; each (function, sampler, seed) is one study of 100
trials, run one trial at a time; the best value among its first 50 trials is the result for
budget 50, the best among all 100 the result for budget 100. Seeds 0..29.

  1. branin       x1 in [-5, 10], x2 in [0, 15] (floats). Standard Branin:
                  a (x2 - b x1^2 + c x1 - r)^2 + s (1 - t) cos(x1) + s with a=1, b=5.1/(4 pi^2),
                  c=5/pi, r=6, s=10, t=1/(8 pi). Global minimum 0.397887.
  2. hartmann6    x0..x5 in [0, 1] (floats). Standard Hartmann-6:
                  -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2), alpha = [1.0, 1.2, 3.0, 3.2],
                  A and P the usual 4x6 matrices below. Minimum -3.32237.
  3. rosenbrock5  x0..x4 in [-5, 10] (floats).
                  sum_{i=0..3} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2. Minimum 0 at x = 1.
  4. ackley10     x0..x9 in [-32.768, 32.768] (floats). Ackley with a=20, b=0.2, c=2 pi:
                  -a exp(-b sqrt(mean x^2)) - exp(mean cos(c x)) + a + e. Minimum 0 at x = 0.
  5. mixed        lr in [1e-3, 10] float log-scale, reg in [1e-4, 1] float log-scale,
                  n in [1, 64] int, kind in {"a", "b", "c", "d"} categorical;
                  (log10(lr) - 0.3)^2 + (log10(reg) + 2.2)^2 + ((n - 37) / 16)^2
                  + {"a": 0.6, "b": 0.0, "c": 0.3, "d": 1.0}[kind].
                  Minimum 0 at lr = 10^0.3, reg = 10^-2.2, n = 37, kind = "b".

Parameters are suggested in the order listed (x1, x2 / x0..x5 / x0..x4 / x0..x9 /
lr, reg, n, kind).

Samplers: "tpe" TPESampler(seed=s), "tpe_multivariate" TPESampler(seed=s, multivariate=True),
"gp" GPSampler(seed=s), "random" RandomSampler(seed=s); Optuna's logging at WARNING.

Sampler overhead per trial: the study's wall time (study.optimize) minus the time spent
evaluating the function (the suggest_* calls count as sampler time), divided by the number
of trials, in milliseconds; the median over seeds is reported.

Output (the layout `mlctl-bench tune` writes too; bench/tuning_compare.py reads both):
  {"library": "optuna 5.0.0", "budgets": [50, 100], "seeds": [0, ...],
   "results": {"branin": {"tpe": {"best": {"50": [one per seed, in seed order], "100": [...]},
                                  "overhead_ms_per_trial": median, "seeds": [...],
                                  "wall_s": total seconds of that sampler's studies}, ...}, ...}}
A sampler entry's "seeds" (when present) overrides the top-level list: `--gp-seeds 0-9` runs
GP on fewer seeds. The file is rewritten (temporary file, then rename) after every
function x sampler, so an interrupted run keeps what it finished; `--resume` reuses the
finished entries of an existing OUT whose library and seeds match.

  python bench/tuning_optuna.py OUT.json [--seeds 0-29] [--gp-seeds A-B] [--functions f,g]
                                [--samplers s,t] [--jobs 1] [--resume]
Quick smoke run: python bench/tuning_optuna.py /tmp/smoke.json --seeds 0-1 --functions branin
"""
import argparse
import json
import math
import os
import sys
import time

BUDGETS = (50, 100)
FUNCTIONS = ("branin", "hartmann6", "rosenbrock5", "ackley10", "mixed")
SAMPLERS = ("tpe", "tpe_multivariate", "gp", "random")

HARTMANN_ALPHA = (1.0, 1.2, 3.0, 3.2)
HARTMANN_A = ((10, 3, 17, 3.5, 1.7, 8), (0.05, 10, 17, 0.1, 8, 14),
              (3, 3.5, 1.7, 10, 17, 8), (17, 8, 0.05, 10, 0.1, 14))
HARTMANN_P = ((1312, 1696, 5569, 124, 8283, 5886), (2329, 4135, 8307, 3736, 1004, 9991),
              (2348, 1451, 3522, 2883, 3047, 6650), (4047, 8828, 8732, 5743, 1091, 381))
MIXED_KIND = {"a": 0.6, "b": 0.0, "c": 0.3, "d": 1.0}


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(p):
    x = [p[f"x{j}"] for j in range(6)]
    total = 0.0
    for alpha, a, pm in zip(HARTMANN_ALPHA, HARTMANN_A, HARTMANN_P):
        total += alpha * math.exp(-sum(a[j] * (x[j] - pm[j] * 1e-4) ** 2 for j in range(6)))
    return -total


def rosenbrock5(p):
    x = [p[f"x{i}"] for i in range(5)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4))


def ackley10(p):
    x = [p[f"x{i}"] for i in range(10)]
    n = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / n))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / n) + 20 + math.e)


def mixed(p):
    return ((math.log10(p["lr"]) - 0.3) ** 2 + (math.log10(p["reg"]) + 2.2) ** 2
            + ((p["n"] - 37) / 16) ** 2 + MIXED_KIND[p["kind"]])


def suggest(name, trial):
    """The function's parameters, suggested in the suite's order."""
    if name == "branin":
        return {"x1": trial.suggest_float("x1", -5, 10), "x2": trial.suggest_float("x2", 0, 15)}
    if name == "hartmann6":
        return {f"x{j}": trial.suggest_float(f"x{j}", 0, 1) for j in range(6)}
    if name == "rosenbrock5":
        return {f"x{i}": trial.suggest_float(f"x{i}", -5, 10) for i in range(5)}
    if name == "ackley10":
        return {f"x{i}": trial.suggest_float(f"x{i}", -32.768, 32.768) for i in range(10)}
    if name == "mixed":
        return {"lr": trial.suggest_float("lr", 1e-3, 10, log=True),
                "reg": trial.suggest_float("reg", 1e-4, 1, log=True),
                "n": trial.suggest_int("n", 1, 64),
                "kind": trial.suggest_categorical("kind", ["a", "b", "c", "d"])}
    raise ValueError(f"unknown function {name}")


EVALUATE = {"branin": branin, "hartmann6": hartmann6, "rosenbrock5": rosenbrock5,
            "ackley10": ackley10, "mixed": mixed}


def make_sampler(optuna, name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe_multivariate":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name}")


def _init_worker(threads):
    # Lower this process's priority to at least nice 15 (it inherits the parent's, if higher).
    try:
        current = os.nice(0)
        if current < 15:
            os.nice(15 - current)
    except OSError:
        pass
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    import warnings
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:
        pass


def run_one(task):
    """One study: (function, sampler, seed) -> best after each budget, overhead, wall time."""
    function, sampler_name, seed = task
    import optuna
    evaluate = EVALUATE[function]
    objective_s = 0.0

    def objective(trial):
        nonlocal objective_s
        params = suggest(function, trial)
        start = time.perf_counter()
        value = evaluate(params)
        objective_s += time.perf_counter() - start
        return value

    study = optuna.create_study(direction="minimize", sampler=make_sampler(optuna, sampler_name, seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=max(BUDGETS))
    total_s = time.perf_counter() - start
    values = [t.value for t in sorted(study.trials, key=lambda t: t.number)]
    if len(values) != max(BUDGETS) or any(v is None for v in values):
        raise RuntimeError(f"{function} {sampler_name} seed {seed}: incomplete study")
    best = {str(b): min(values[:b]) for b in BUDGETS}
    return task, best, (total_s - objective_s) / len(values) * 1000, total_s


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds


def parse_list(text, allowed, what):
    names = [n for n in text.split(",") if n]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return names


def write_atomic(path, document):
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.tmp{os.getpid()}")
    with open(temporary, "w") as f:
        json.dump(document, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="JSON file to write")
    parser.add_argument("--seeds", default="0-29", help="e.g. 0-29 or 0-4,7 (default 0-29)")
    parser.add_argument("--gp-seeds", default=None, help="seeds for the gp sampler (default: --seeds)")
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch/BLAS threads per worker (default 1)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the finished entries of an existing OUT with the same library and seeds")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    gp_seeds = parse_seeds(args.gp_seeds) if args.gp_seeds else seeds
    functions = parse_list(args.functions, FUNCTIONS, "function")
    samplers = parse_list(args.samplers, SAMPLERS, "sampler")

    import multiprocessing
    import numpy as np
    import optuna
    library = f"optuna {optuna.__version__}"
    document = {"library": library, "budgets": list(BUDGETS), "seeds": seeds, "results": {}}
    if args.resume and os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
        if old.get("library") == library and old.get("seeds") == seeds:
            for function, entries in old.get("results", {}).items():
                for sampler, entry in entries.items():
                    wanted = gp_seeds if sampler == "gp" else seeds
                    if entry.get("seeds", old["seeds"]) == wanted:
                        document["results"].setdefault(function, {})[sampler] = entry
        else:
            print(f"--resume: {args.out} is for other seeds or another library; starting over", file=sys.stderr)

    combos = [(f, s) for f in functions for s in samplers if s not in document["results"].get(f, {})]
    tasks = [(f, s, seed) for f, s in combos for seed in (gp_seeds if s == "gp" else seeds)]
    pending = {combo: {} for combo in combos}
    print(f"{library}, {len(combos)} function x sampler, {len(tasks)} studies, {args.jobs} job(s)", file=sys.stderr)
    write_atomic(args.out, document)
    with multiprocessing.get_context("spawn").Pool(args.jobs, initializer=_init_worker, initargs=(args.threads,)) as pool:
        run_start = time.perf_counter()
        for (function, sampler, seed), best, overhead_ms, wall_s in pool.imap(run_one, tasks):
            results = pending[(function, sampler)]
            results[seed] = (best, overhead_ms, wall_s)
            combo_seeds = gp_seeds if sampler == "gp" else seeds
            if len(results) < len(combo_seeds):
                continue
            ordered = [results[s] for s in combo_seeds]
            entry = {"best": {str(b): [r[0][str(b)] for r in ordered] for b in BUDGETS},
                     "overhead_ms_per_trial": float(np.median([r[1] for r in ordered])),
                     "seeds": combo_seeds,
                     "wall_s": round(sum(r[2] for r in ordered), 3)}
            document["results"].setdefault(function, {})[sampler] = entry
            write_atomic(args.out, document)
            best100 = entry["best"]["100"]
            print(f"{function} {sampler}: median best {np.median(entry['best']['50']):.6g} after 50, "
                  f"{np.median(best100):.6g} after 100; overhead {entry['overhead_ms_per_trial']:.3f} ms/trial; "
                  f"{entry['wall_s']:.1f} s for {len(combo_seeds)} seeds (elapsed {time.perf_counter() - run_start:.0f} s)",
                  file=sys.stderr, flush=True)
    print(json.dumps({"written": args.out}))


if __name__ == "__main__":
    main()
