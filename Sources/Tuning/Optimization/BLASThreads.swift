import CLinearAlgebra

/// OpenBLAS thread policy of mlctl: BLAS calls are single-threaded and mlctl splits the work
/// into fixed blocks on its own threads (``parallelFor(_:threads:_:)``).
///
/// Why: OpenBLAS's own threading changes how sums are split with the thread count, so the
/// results (and the fitted model) would depend on it; fixed blocks reduced in a fixed order do
/// not. It also keeps two thread pools from fighting over the two cores.
public enum BLASThreads {
    private static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Call before the first BLAS call of a computation (cheap after the first time).
    public static func useCallerThreads() {
        _ = configured
    }
}
