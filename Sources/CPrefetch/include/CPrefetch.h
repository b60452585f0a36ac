#ifndef TICKTAPE_CPREFETCH_H
#define TICKTAPE_CPREFETCH_H

/// Asks the CPU to start loading the cache line at `address` for writing, without waiting for
/// it. The rules' and the oracle's hash tables are larger than the caches, so each lookup is one
/// memory round trip; issuing it a few events ahead overlaps those round trips instead of
/// paying them one after another. A hint only: any address is safe, nothing is read.
static inline void ticktape_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
