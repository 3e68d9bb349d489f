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

Samplers: "tpe" TPESampler(seed=s, multivariate=False) (independent TPE: Optuna 5.0's default
for a single objective, TPESampler(seed=s), is the multivariate TPE, which "tpe_multivariate"
already is), "tpe_multivariate" TPESampler(seed=s, multivariate=True), "gp" GPSampler(seed=s)
(with greenlet installed, so that it optimises the acquisition with batched L-BFGS-B as
Optuna intends), "random" RandomSampler(seed=s); Optuna's logging at WARNING. Each worker
runs with torch and BLAS limited to --threads (default 1) threads, at nice 15 or lower priority.

Sampler overhead, in milliseconds, as TuningBench.swift measures it: a trial's overhead is
the time since the previous trial ended (the study's start for the first) minus the time
spent evaluating the function (the suggest_* calls count as sampler time). Reported, each the
median over seeds: "overhead_ms_per_trial", the mean over the 100 trials (= the study's time
minus objective time, divided by 100), and "overhead_ms_trials_91_100", the mean over trials
91..100; for the TPE samplers also "overhead_ms_trials_191_200", the mean over trials
191..200 of one extra 200-trial study with seed 0.

Output (the layout `mlctl-bench tune` writes too; bench/tuning_compare.py reads both):
  {"library": "optuna 5.0.0", "budgets": [50, 100], "seeds": [0, ...],
   "results": {"branin": {"tpe": {"best": {"50": [one per seed, in seed order], "100": [...]},
                                  "overhead_ms_per_trial": median,
                                  "overhead_ms_trials_91_100": median,
                                  "overhead_ms_trials_191_200": (tpe samplers only),
                                  "seeds": [...],
                                  "wall_s": total seconds of its 100-trial studies}, ...}, ...}}
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
        return optuna.samplers.TPESampler(seed=seed, multivariate=False)
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


def run_study(function, sampler_name, seed, trials):
    """One study of `trials` trials; returns its values (in trial order) and each trial's
    sampler overhead in ms: the time since the previous trial ended (or since the study
    started) minus that trial's objective time, as TuningBench.swift measures it."""
    import optuna
    evaluate = EVALUATE[function]
    objective_s = [0.0]

    def objective(trial):
        params = suggest(function, trial)
        start = time.perf_counter()
        value = evaluate(params)
        objective_s[0] += time.perf_counter() - start
        return value

    per_trial_ms = []
    state = {"last": 0.0, "objective": 0.0}

    def on_trial(study, trial):
        now = time.perf_counter()
        per_trial_ms.append((now - state["last"] - (objective_s[0] - state["objective"])) * 1000)
        state["last"], state["objective"] = now, objective_s[0]

    study = optuna.create_study(direction="minimize", sampler=make_sampler(optuna, sampler_name, seed))
    state["last"] = time.perf_counter()
    study.optimize(objective, n_trials=trials, callbacks=[on_trial])
    values = [t.value for t in sorted(study.trials, key=lambda t: t.number)]
    if len(values) != trials or any(v is None for v in values) or len(per_trial_ms) != trials:
        raise RuntimeError(f"{function} {sampler_name} seed {seed}: incomplete study")
    return values, per_trial_ms


def run_one(task):
    """(function, sampler, seed) -> best after each budget, mean overhead per trial, mean over
    trials 91..100, wall seconds; seed None: the 200-trial run whose trials 191..200 are timed."""
    function, sampler_name, seed = task
    start = time.perf_counter()
    if seed is None:
        _, per_trial = run_study(function, sampler_name, 0, 200)
        return task, None, sum(per_trial[-10:]) / 10, None, time.perf_counter() - start
    values, per_trial = run_study(function, sampler_name, seed, max(BUDGETS))
    best = {str(b): min(values[:b]) for b in BUDGETS}
    return task, best, sum(per_trial) / len(per_trial), sum(per_trial[90:100]) / 10, time.perf_counter() - start


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
    # TPE's overhead is also stated at 200 trials: one extra 200-trial study (seed 0), task seed None.
    seeds_of = {(f, s): (gp_seeds if s == "gp" else seeds) + ([None] if s.startswith("tpe") else [])
                for f, s in combos}
    tasks = [(f, s, seed) for f, s in combos for seed in seeds_of[(f, s)]]
    pending = {combo: {} for combo in combos}
    print(f"{library}, {len(combos)} function x sampler, {len(tasks)} studies, {args.jobs} job(s)", file=sys.stderr)
    write_atomic(args.out, document)
    with multiprocessing.get_context("spawn").Pool(args.jobs, initializer=_init_worker, initargs=(args.threads,)) as pool:
        run_start = time.perf_counter()
        for (function, sampler, seed), best, overhead_ms, late_ms, wall_s in pool.imap(run_one, tasks):
            results = pending[(function, sampler)]
            results[seed] = (best, overhead_ms, late_ms, wall_s)
            if len(results) < len(seeds_of[(function, sampler)]):
                continue
            combo_seeds = gp_seeds if sampler == "gp" else seeds
            ordered = [results[s] for s in combo_seeds]
            entry = {"best": {str(b): [r[0][str(b)] for r in ordered] for b in BUDGETS},
                     "overhead_ms_per_trial": float(np.median([r[1] for r in ordered])),
                     "overhead_ms_trials_91_100": float(np.median([r[2] for r in ordered])),
                     "seeds": combo_seeds,
                     "wall_s": round(sum(r[3] for r in ordered), 3)}
            if None in results:
                entry["overhead_ms_trials_191_200"] = results[None][1]
            document["results"].setdefault(function, {})[sampler] = entry
            write_atomic(args.out, document)
            late200 = entry.get("overhead_ms_trials_191_200")
            print(f"{function} {sampler}: median best {np.median(entry['best']['50']):.6g} after 50, "
                  f"{np.median(entry['best']['100']):.6g} after 100; overhead {entry['overhead_ms_per_trial']:.3f} ms/trial "
                  f"(trials 91-100 {entry['overhead_ms_trials_91_100']:.3f}"
                  + (f", 191-200 {late200:.3f}" if late200 is not None else "") + "); "
                  f"{entry['wall_s']:.1f} s for {len(combo_seeds)} seeds (elapsed {time.perf_counter() - run_start:.0f} s)",
                  file=sys.stderr, flush=True)
    print(json.dumps({"written": args.out}))


if __name__ == "__main__":
    main()
