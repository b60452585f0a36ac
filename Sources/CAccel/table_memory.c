#include "CAccel.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>

/// Transparent huge pages come in 2 MiB; a table this large or larger gets its own mapping.
static const size_t huge = (size_t)2 << 20;

static size_t mapped_length(size_t bytes) { return (bytes + huge - 1) & ~(huge - 1); }
#endif

void *ticktape_table_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
#if defined(__linux__)
    if (bytes >= huge) {
        // Map one huge page more than needed, then trim both ends so that the table starts on a
        // 2 MiB boundary: only aligned 2 MiB ranges can be backed by huge pages.
        size_t length = mapped_length(bytes);
        uint8_t *raw = mmap(NULL, length + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) return NULL;
        uintptr_t start = ((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1);
        size_t head = start - (uintptr_t)raw;
        if (head > 0) munmap(raw, head);
        size_t tail = huge - head;
        if (tail > 0) munmap((uint8_t *)start + length, tail);
        // A hint: with THP in "madvise" mode this is what lets the kernel back the table with
        // huge pages. Failure (THP off, old kernel) only means small pages.
        (void)madvise((void *)start, length, MADV_HUGEPAGE);
        return (void *)start;
    }
#endif
    return calloc(1, bytes);
}

void ticktape_table_free(void *table, size_t bytes) {
    if (table == NULL) return;
    if (bytes == 0) bytes = 1;
#if defined(__linux__)
    if (bytes >= huge) {
        munmap(table, mapped_length(bytes));
        return;
    }
#endif
    free(table);
}
