// swift-tools-version:6.0
// mlctl: train, tune, evaluate and serve binary-classification (lead-scoring) models in Swift.
// The target graph below is the module diagram of ../shared/ARCHITECTURE.md; no Swift package
// dependencies, only Foundation/Dispatch/Glibc and Debian's OpenBLAS, LAPACKE and libpq.
import PackageDescription

/// Release builds use Swift's defaults (`-O`, whole-module and cross-module optimisation, and
/// exclusivity checks kept on): `-enforce-exclusivity=unchecked` was measured on the CSV
/// reader, feature extraction, tree training and scoring and made no difference beyond the
/// noise (BENCHMARKS.md, "Compiler settings"), so the safer default stays.
let numericSettings: [SwiftSetting] = []

let package = Package(
    name: "mlctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mlctl", targets: ["mlctl"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Tuning", targets: ["Tuning"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
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

        // MARK: Leaves: know nothing of trees, leads or databases
        .target(name: "Tuning", dependencies: ["Core", "CLinearAlgebra"], swiftSettings: numericSettings),
        .target(name: "Evaluation", dependencies: ["Core"], swiftSettings: numericSettings),

        // MARK: Models, data, features, artifacts
        .target(name: "Training",
                dependencies: ["Core", "Tuning", "Evaluation", "CLinearAlgebra", "CLibPQ", "CMemory"],
                swiftSettings: numericSettings),

        // MARK: Scoring service and batch scorer (reads artifacts, never trains)
        .target(name: "Serving", dependencies: ["Core", "Training", "Tuning", "Evaluation", "CNetworking"]),

        // MARK: Command line
        .executableTarget(name: "mlctl", dependencies: ["Core", "Training", "Tuning", "Evaluation", "Serving"]),

        // MARK: Benchmarks (bench/, compared with the reference libraries by bench/*.sh)
        .executableTarget(name: "mlctl-bench", dependencies: ["Core", "Training", "Tuning", "Evaluation"], path: "bench/Sources/mlctl-bench"),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Training", "Serving"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Tuning", "Evaluation", "TestSupport"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "mlctlTests", dependencies: ["mlctl", "Training", "Serving", "TestSupport"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Training", "TestSupport"]),
    ]
)
