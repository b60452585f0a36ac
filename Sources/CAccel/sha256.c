// SHA-256 block compression with the x86 SHA extensions (FIPS 180-4's compression function,
// two rounds per SHA256RNDS2). Swift has no access to these instructions; the portable
// compression in Upbit's SHA256 is used wherever they are missing.
#include "CAccel.h"

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes. The one copy of them: Upbit's portable compression reads them from here too.
static const uint32_t round_constants[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t *ticktape_sha256_round_constants(void) { return round_constants; }

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int ticktape_sha256_available(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

#define TICKTAPE_SHA_TARGET __attribute__((target("sha,ssse3,sse4.1")))

// One block from four message registers holding W0..W15 (host order). The state is kept as
// the instructions want it: ABEF and CDGH (high dword first).
TICKTAPE_SHA_TARGET
static inline void compress(__m128i *abef, __m128i *cdgh, __m128i m[4]) {
    __m128i saved_abef = *abef, saved_cdgh = *cdgh;
    for (int group = 0; group < 16; group++) {
        int slot = group & 3;
        if (group >= 4) {
            // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four words at a time.
            __m128i partial = _mm_sha256msg1_epu32(m[slot], m[(group + 1) & 3]);
            partial = _mm_add_epi32(partial, _mm_alignr_epi8(m[(group + 3) & 3], m[(group + 2) & 3], 4));
            m[slot] = _mm_sha256msg2_epu32(partial, m[(group + 3) & 3]);
        }
        __m128i k = _mm_load_si128((const __m128i *)&round_constants[4 * group]);
        __m128i message = _mm_add_epi32(m[slot], k);
        *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, message);
        message = _mm_shuffle_epi32(message, 0x0E);
        *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, message);
    }
    *abef = _mm_add_epi32(*abef, saved_abef);
    *cdgh = _mm_add_epi32(*cdgh, saved_cdgh);
}

TICKTAPE_SHA_TARGET
static inline void load_state(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    *abef = _mm_alignr_epi8(cdab, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

TICKTAPE_SHA_TARGET
static inline void store_state(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

TICKTAPE_SHA_TARGET
void ticktape_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian bytes → host-order words, per 32-bit lane.
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef, cdgh;
    load_state(state, &abef, &cdgh);
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *block = data + 64 * b;
        __m128i m[4];
        for (int i = 0; i < 4; i++) {
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), byteswap);
        }
        compress(&abef, &cdgh, m);
    }
    store_state(state, abef, cdgh);
}

TICKTAPE_SHA_TARGET
void ticktape_sha256_words(uint32_t state[8], const uint32_t words[16]) {
    __m128i abef, cdgh;
    load_state(state, &abef, &cdgh);
    __m128i m[4];
    for (int i = 0; i < 4; i++) m[i] = _mm_loadu_si128((const __m128i *)(words + 4 * i));
    compress(&abef, &cdgh, m);
    store_state(state, abef, cdgh);
}

#else

int ticktape_sha256_available(void) { return 0; }
void ticktape_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state;
    (void)data;
    (void)blocks;
}
void ticktape_sha256_words(uint32_t state[8], const uint32_t words[16]) {
    (void)state;
    (void)words;
}

#endif
