/* MSM and batch multiplication for G1 and G2 (template msm_impl.h) plus the scalar helpers
 * they share: loading, classification and signed-digit recoding. */
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "threads.h"

void zk_load_scalar(scalar_t *s, const unsigned char *b) {
    memcpy(s->l, b, 32);
    /* Python reference reduces s mod r (any 256-bit input): at most 5 subtractions. */
    fr t;
    memcpy(t.l, s->l, 32);
    fr_reduce(&t);
    memcpy(s->l, t.l, 32);
}

/* 0: zero; 1: +-1; 2: s or r - s below 2^64 (s replaced by it, *neg set); 3: general. */
static int zk_classify(scalar_t *s, int *neg) {
    *neg = 0;
    if ((s->l[1] | s->l[2] | s->l[3]) == 0) {
        if (s->l[0] == 0) return 0;
        return s->l[0] == 1 ? 1 : 2;
    }
    fr a, t;
    memcpy(a.l, s->l, 32);
    fr_neg(&t, &a);   /* plain-integer r - s: negation does not depend on the representation */
    if ((t.l[1] | t.l[2] | t.l[3]) == 0) {
        *neg = 1;
        memcpy(s->l, t.l, 32);
        return t.l[0] == 1 ? 1 : 2;
    }
    return 3;
}

static inline uint64_t zk_bits(const scalar_t *s, unsigned off, unsigned c) {
    if (off >= 256) return 0;
    unsigned w = off >> 6, sh = off & 63;
    uint64_t v = s->l[w] >> sh;
    if (sh + c > 64 && w + 1 < 4) v |= s->l[w + 1] << (64 - sh);
    return v & ((1ULL << c) - 1);
}

/* Signed c-bit digits d_w in (-2^(c-1), 2^(c-1)] with s = sum d_w 2^(cw); out[w * stride].
 * nwin * c must be >= bitlen(s) + 1 so that the last carry is absorbed. */
static void zk_signed_digits(const scalar_t *s, int c, int nwin, int neg, int32_t *out, size_t stride) {
    uint64_t carry = 0, half = 1ULL << (c - 1), full = 1ULL << c;
    for (int w = 0; w < nwin; w++) {
        uint64_t raw = zk_bits(s, (unsigned)(w * c), (unsigned)c) + carry;
        int32_t d;
        if (raw > half) { d = (int32_t)((int64_t)raw - (int64_t)full); carry = 1; }
        else { d = (int32_t)raw; carry = 0; }
        out[(size_t)w * stride] = neg ? -d : d;
    }
}

/* Window minimising nwin * (m batch-affine additions (~7.5M) + 2^(c-1) bucket sums (a mixed
 * and a full Jacobian addition, ~27M, so ~1.8 x 2^c in units of a batch-affine addition)). */
static int zk_choose_window(size_t m, int bits) {
    int best = 1;
    double best_cost = 1e300;
    for (int c = 1; c <= 16; c++) {
        int nwin = (bits + 1 + c - 1) / c;
        double cost = (double)nwin * ((double)m + 1.8 * (double)(1ULL << c));
        if (cost < best_cost) { best_cost = cost; best = c; }
    }
    return best;
}

#define PT(name) g1_##name
#define FE fq
#define F(op) fq_##op
#include "msm_impl.h"
#undef PT
#undef FE
#undef F

#define PT(name) g2_##name
#define FE fq2
#define F(op) fq2_##op
#include "msm_impl.h"
#undef PT
#undef FE
#undef F
