#ifndef MLCTL_CMEMORY_H
#define MLCTL_CMEMORY_H

/// Asks the CPU to start loading the cache line holding `address` for a read soon.
/// A hint only: it never faults and changes no result. Swift has no prefetch intrinsic;
/// the row-wise histogram kernel uses this to overlap the cache misses of scattered rows.
static inline void mlctl_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

// Sequentially consistent atomic operations on a `long` (Swift's `Int`), for the worker pool
// behind `parallelFor`: Swift's standard modules here (Foundation, Dispatch, Glibc) have none.

static inline long mlctl_atomic_load(const long *value) {
    return __atomic_load_n(value, __ATOMIC_SEQ_CST);
}

static inline void mlctl_atomic_store(long *value, long desired) {
    __atomic_store_n(value, desired, __ATOMIC_SEQ_CST);
}

/// Adds `delta` and returns the value before.
static inline long mlctl_atomic_fetch_add(long *value, long delta) {
    return __atomic_fetch_add(value, delta, __ATOMIC_SEQ_CST);
}

/// Sets `*value` to `desired` if it equals `expected`; returns whether it did.
static inline int mlctl_atomic_compare_exchange(long *value, long expected, long desired) {
    return __atomic_compare_exchange_n(value, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// Tells the CPU this thread is spinning on a memory location (x86 PAUSE, ARM YIELD).
static inline void mlctl_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
