#ifndef MLCTL_CMEMORY_H
#define MLCTL_CMEMORY_H

/// Asks the CPU to start loading the cache line holding `address` for a read soon.
/// A hint only: it never faults and changes no result. Swift has no prefetch intrinsic;
/// the row-wise histogram kernel uses this to overlap the cache misses of scattered rows.
static inline void mlctl_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
