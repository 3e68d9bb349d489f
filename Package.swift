// swift-tools-version:6.0
// mlctl: train, tune, evaluate and serve binary-classification (lead-scoring) models in Swift.
// The target graph below is the module graph of docs/ARCHITECTURE.md (each module's job, the
// data flow, the artifact format, the conventions); change both together. No Swift package
// dependencies, only Foundation/Dispatch/Glibc and Debian's OpenBLAS, LAPACKE and libpq.
// Linux only: the networking target calls epoll.
import PackageDescription

/// Release builds use Swift's defaults (`-O`, whole-module and cross-module optimisation, and
/// exclusivity checks kept on): `-enforce-exclusivity=unchecked` was measured on the CSV
/// reader, feature extraction, tree training and scoring and made no difference beyond the
/// noise (BENCHMARKS.md, "Compiler settings"), so the safer default stays.
let numericSettings: [SwiftSetting] = []

let package = Package(
    name: "mlctl",
    products: [
        .executable(name: "mlctl", targets: ["mlctl"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "Database", targets: ["Database"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Tuning", targets: ["Tuning"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Leads", targets: ["Leads"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Serving", targets: ["Serving"]),
    ],
    targets: [
        // MARK: C libraries (system-library targets)
        .systemLibrary(name: "CLinearAlgebra", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // MARK: Linux socket calls Swift's Glibc module lacks (epoll, accept4, eventfd, signal flags)
        .target(name: "CNetworking"),

        // MARK: What Swift's standard modules lack for memory: a cache-prefetch hint (the row-wise
        // histogram kernel) and atomic operations (the worker pool behind parallelFor)
        .target(name: "CMemory"),

        // MARK: Shared by every module: worker pool, seeded generators, numeric helpers
        .target(name: "Core", dependencies: ["CMemory"], swiftSettings: numericSettings),

        // MARK: PostgreSQL: the libpq wrapper, COPY, transactions, the migrations runner
        .target(name: "Database", dependencies: ["CLibPQ"]),

        // MARK: Generic ML: know nothing of leads, databases or HTTP
        .target(name: "Tuning", dependencies: ["Core", "CLinearAlgebra"], swiftSettings: numericSettings),
        .target(name: "Evaluation", dependencies: ["Core"], swiftSettings: numericSettings),
        .target(name: "Training", dependencies: ["Core", "Tuning", "Evaluation", "CLinearAlgebra", "CMemory"],
                swiftSettings: numericSettings),

        // MARK: The lead domain: records, features, the synthetic generator, schema, store, rules
        .target(name: "Leads", dependencies: ["Core", "Database", "Training", "Evaluation"], swiftSettings: numericSettings),

        // MARK: A/B tests: assignment, store and schema, analysis and recommendation, simulation
        .target(name: "Experiments", dependencies: ["Core", "Database", "Evaluation", "Leads", "Training"]),

        // MARK: train-all's stages as a library: load and split, baseline, tuned trees, ensemble,
        // evaluation, calibration, per-vertical models, the registry version
        .target(name: "Pipeline", dependencies: ["Core", "Database", "Training", "Tuning", "Evaluation", "Leads", "Experiments"]),

        // MARK: Scoring service and batch scorer (reads artifacts, never trains)
        .target(name: "Serving", dependencies: ["Core", "Database", "Training", "Evaluation", "Leads", "Experiments", "CNetworking"]),

        // MARK: Command line
        .executableTarget(name: "mlctl", dependencies: ["Core", "Database", "Training", "Tuning", "Evaluation", "Leads", "Experiments",
                                                       "Pipeline", "Serving"]),

        // MARK: Benchmarks (bench/, compared with the reference libraries by bench/*.sh)
        .executableTarget(name: "mlctl-bench", dependencies: ["Core", "Training", "Tuning", "Evaluation", "Leads"], path: "bench/Sources/mlctl-bench"),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Core", "Database", "Training", "Leads", "Serving"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "DatabaseTests", dependencies: ["Database", "TestSupport"]),
        .testTarget(name: "TuningTests", dependencies: ["Core", "Tuning"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Core", "Evaluation"]),
        .testTarget(name: "TrainingTests", dependencies: ["Core", "Training", "Tuning", "Evaluation", "TestSupport"]),
        .testTarget(name: "LeadsTests", dependencies: ["Core", "Database", "Training", "Leads", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Core", "Evaluation", "Experiments"]),
        .testTarget(name: "PipelineTests", dependencies: ["Core", "Database", "Training", "Evaluation", "Leads", "Experiments", "Pipeline", "TestSupport"]),
        .testTarget(name: "ServingTests", dependencies: ["Core", "Database", "Training", "Evaluation", "Leads", "Experiments", "Serving", "TestSupport"]),
        .testTarget(name: "mlctlTests", dependencies: ["mlctl", "Core", "Training", "Leads", "Serving", "TestSupport"]),
    ]
)
