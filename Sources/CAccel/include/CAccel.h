#ifndef TICKTAPE_CACCEL_H
#define TICKTAPE_CACCEL_H

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to start loading the cache line at `address` for writing, without waiting for
/// it. The rules' and the oracle's hash tables are larger than the caches, so each lookup is one
/// memory round trip; issuing it a few events ahead overlaps those round trips instead of
/// paying them one after another. A hint only: any address is safe, nothing is read.
static inline void ticktape_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Zero-filled memory for a large hash table: `bytes` bytes, all zero, or NULL when out of memory.
/// On Linux a table of 2 MiB or more gets a mapping of its own, aligned to 2 MiB and advised for
/// transparent huge pages: its pages are zeroed by the kernel on first touch (no fill pass), and a
/// random probe then costs one TLB entry per 2 MiB instead of per 4 KiB. Smaller tables come from
/// calloc. Free with ticktape_table_free and the same size.
void *ticktape_table_alloc(size_t bytes);

/// Releases a table from ticktape_table_alloc(bytes).
void ticktape_table_free(void *table, size_t bytes);

/// The 64 SHA-256 round constants (FIPS 180-4 §4.2.2).
const uint32_t *ticktape_sha256_round_constants(void);

/// 1 when this CPU has the SHA-256 instructions (x86 SHA extensions with SSSE3 and SSE4.1),
/// else 0; the Swift SHA-256 then compresses blocks itself.
int ticktape_sha256_available(void);

/// Compresses `blocks` 64-byte blocks of `data` into the eight hash words `state` with the SHA
/// instructions. Call only when ticktape_sha256_available() is 1.
void ticktape_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// Compresses one block given as sixteen message words (already in host order) into `state`.
/// Call only when ticktape_sha256_available() is 1.
void ticktape_sha256_words(uint32_t state[8], const uint32_t words[16]);

#endif
