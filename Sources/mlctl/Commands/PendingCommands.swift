/// Commands whose work other issues deliver. Their options are declared already, so `--help`
/// documents the interface and usage errors are caught; running them says which issue
/// tracks the work and exits with status 3.
enum PendingCommands {
    static let dataOptions: [OptionSpec] = [
        .value("data", "FILE", "training table (CSV with a header row)", required: true),
        .value("target", "COL", "label column (0/1)", required: true),
    ]

    static let train = pending(["train"], "Train one model on a CSV table", issue: 3, what: "the gradient-boosted tree engine (and, for --algorithm logistic, issue #4)", options: dataOptions + [
        .value("algorithm", "A", "gbdt or logistic", default: "gbdt"),
        .value("growth", "G", "leafwise, depthwise or oblivious", default: "leafwise"),
        .value("trees", "N", "boosting rounds", default: "100"),
        .value("learning-rate", "X", "shrinkage", default: "0.1"),
        .value("num-leaves", "N", "leaves per tree (leaf-wise)", default: "31"),
        .value("max-depth", "N", "depth limit (-1: none)", default: "-1"),
        .value("max-bin", "N", "histogram bins per feature", default: "255"),
        .value("min-data-in-leaf", "N", "minimum rows per leaf", default: "20"),
        .value("lambda-l1", "X", "L1 regularisation", default: "0"),
        .value("lambda-l2", "X", "L2 regularisation", default: "0"),
        .value("feature-fraction", "X", "features sampled per tree", default: "1"),
        .value("bagging-fraction", "X", "rows sampled per bagging round", default: "1"),
        .value("bagging-freq", "N", "bag every N rounds (0: off)", default: "0"),
        .flag("goss", "gradient-based one-side sampling"),
        .value("scale-pos-weight", "X", "weight of positive rows", default: "1"),
        .flag("balanced", "weight classes inversely to their frequency"),
        .value("categorical", "COLS", "auto or a comma-separated list of columns", default: "auto"),
        .value("valid", "FILE", "validation table for early stopping"),
        .value("early-stopping", "N", "stop after N rounds without improvement"),
        .value("C", "X", "inverse L2 strength (logistic)", default: "1"),
        .value("penalty", "P", "l2, l1 or elasticnet (logistic)", default: "l2"),
        .flag("smote", "oversample the minority class with SMOTE (logistic)"),
        .value("smote-ratio", "X", "minority/majority ratio after SMOTE"),
        .value("threads", "N", "worker threads (default: all cores)"),
        .value("seed", "N", "random seed", default: "0"),
        .value("out", "DIR", "model bundle directory", required: true),
    ])

    static let tune = pending(["tune"], "Search hyperparameters (TPE, Gaussian process, random) with cross-validation", issue: 5, what: "hyperparameter search", options: dataOptions + [
        .value("algorithm", "A", "gbdt or logistic", default: "gbdt"),
        .value("growth", "G", "leafwise, depthwise or oblivious", default: "leafwise"),
        .value("trials", "N", "number of trials", required: true),
        .value("sampler", "S", "tpe, gp or random", default: "tpe"),
        .value("pruner", "P", "median, asha or none", default: "median"),
        .value("cv", "K", "cross-validation folds", default: "5"),
        .value("metric", "M", "roc_auc, pr_auc or log_loss", default: "roc_auc"),
        .value("timeout", "DURATION", "wall-time limit, e.g. 10m"),
        .value("study", "FILE", "study file to resume"),
        .value("seed", "N", "random seed", default: "0"),
        .value("out", "DIR", "output directory", required: true),
    ])

    static let predict = pending(["predict"], "Score a CSV table with a model bundle", issue: 3, what: "prediction with model bundles", options: [
        .value("model", "DIR", "model bundle", required: true),
        .value("data", "FILE", "table to score", required: true),
        .value("out", "FILE", "output CSV (default: standard output)"),
        .flag("contributions", "add per-feature contributions (TreeSHAP or coefficient × value)"),
    ])

    static let evaluate = pending(["evaluate"], "Metrics, curves, confidence intervals and reports for models", issue: 6, what: "evaluation and reports", options: [
        .value("model", "DIR", "model bundle"),
        .value("compare", "DIRS", "comma-separated bundles to compare"),
        .value("data", "FILE", "labelled table", required: true),
        .value("target", "COL", "label column", required: true),
        .value("format", "F", "json, markdown or html", default: "markdown"),
        .value("out", "FILE", "output file (default: standard output)"),
    ])

    static let serve = pending(["serve"], "HTTP scoring service over a model registry or bundle", issue: 9, what: "the HTTP scoring service", options: [
        .value("models", "DIR", "registry (from train-all) or bundle (from train)", required: true),
        .value("host", "ADDR", "listen address", default: "127.0.0.1"),
        .value("port", "N", "listen port", default: "8080"),
        .value("database-url", "URL", "PostgreSQL URL for scoring leads by id"),
        .value("threads", "N", "event-loop threads (default: all cores)"),
        .value("admin-token-file", "FILE", "file holding the bearer token for admin routes"),
        .flag("quiet", "no access log"),
    ])

    static let scoreBatch = pending(["score-batch"], "Score leads in PostgreSQL and write the scores back", issue: 10, what: "batch scoring", options: [
        .value("database-url", "URL", "PostgreSQL URL", required: true),
        .value("models", "DIR", "model registry", required: true),
        .flag("refresh-all", "rescore every lead"),
        .value("vertical", "V", "pc, health or commercial"),
        .value("days", "N", "leads created in the last N days", default: "7"),
        .value("batch-size", "N", "leads per transaction", default: "50000"),
        .value("shard", "K/N", "score only shard K of N"),
        .flag("dry-run", "score and report without writing"),
        .flag("json", "print the summary as JSON"),
    ])

    static let models: [Command] = [
        pending(["models", "list"], "List model versions in a registry", issue: 7, what: "the model registry", options: [.value("models", "DIR", "registry", default: "models")]),
        pending(["models", "show"], "Show one model version", issue: 7, what: "the model registry", options: [.value("models", "DIR", "registry", default: "models"), .value("version", "V", "version", required: true)]),
        pending(["models", "promote"], "Make a version current", issue: 7, what: "the model registry", options: [.value("models", "DIR", "registry", default: "models"), .value("version", "V", "version", required: true)]),
        pending(["models", "rollback"], "Return to the previous current version", issue: 7, what: "the model registry", options: [.value("models", "DIR", "registry", default: "models")]),
    ]

    static let abTesting: [Command] = [
        pending(["ab", "create"], "Create an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .value("description", "TEXT", "what the test is for"), .value("split", "C/T", "control/treatment percentages", default: "50/50"),
            .value("alpha", "X", "significance level", default: "0.05"), .value("mde", "X", "minimum detectable effect (relative)"),
        ]),
        pending(["ab", "list"], "List A/B tests", issue: 11, what: "A/B testing", options: [.value("database-url", "URL", "PostgreSQL URL", required: true)]),
        pending(["ab", "assign"], "Assign a lead to a variant", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .value("lead", "ID", "lead id", required: true),
        ]),
        pending(["ab", "results"], "Results of an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .flag("json", "print JSON"),
        ]),
        pending(["ab", "stop"], "Stop an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
        ]),
    ]

    private static func pending(_ path: [String], _ summary: String, issue: Int, what: String, options: [OptionSpec]) -> Command {
        Command(spec: CommandSpec(path: path, summary: summary + " (not implemented yet)", options: options),
                run: { _ in notImplemented(path.joined(separator: " "), issue: issue, what) })
    }
}
