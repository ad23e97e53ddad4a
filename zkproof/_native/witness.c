/* The Groth16 witness map (zkproof.groth16.witness_map.h_evaluations) in C.
 *
 * Input: the zkey section-4 body (u32 count, then count x (u32 matrix, u32 row, u32 signal,
 * 32-byte value)) and the witness (32-byte LE scalars). Section-4 values are v = c * 2^512 mod r,
 * so one Montgomery product v * w * 2^-256 is exactly the Montgomery form of c * w: the row sums
 * a(w^row), b(w^row) come out in Montgomery form with no correction. Then, as snarkjs'
 * buildABC1 + joinABC: c = a b on H; each of a, b, c is interpolated (inverse NTT) and evaluated
 * on the odd coset g H, g = w_2n (forward NTT with shift); output (a b - c)(g w^i), canonical.
 */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "ntt.h"
#include "threads.h"
#include "witness.h"

/* 2^28-th root of unity (same constant as ntt.c), canonical. */
static const fr ROOT = {{0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL, 0x00e0a7eb8ef62abcULL,
                         0x2a3c09f0a58a7e85ULL}};

typedef struct {
    const unsigned char *rows;
    size_t count;
    const unsigned char *wit;
    fr *ab[3]; /* a, b (the witness map); a, b, c (the R1CS check) */
} acc_ctx;

static void acc_task(void *vctx, size_t m) {
    acc_ctx *ctx = vctx;
    fr *out = ctx->ab[m];
    for (size_t k = 0; k < ctx->count; k++) {
        const unsigned char *e = ctx->rows + 44 * k;
        uint32_t mm, c, s;
        memcpy(&mm, e, 4);
        if (mm != m) continue;
        memcpy(&c, e + 4, 4);
        memcpy(&s, e + 8, 4);
        fr v, w, t;
        memcpy(v.l, e + 12, 32);
        memcpy(w.l, ctx->wit + 32 * (size_t)s, 32);
        fr_reduce(&v);
        fr_reduce(&w);
        fr_mul(&t, &v, &w);
        fr_add(&out[c], &out[c], &t);
    }
}

long zk_coeffs_check(const unsigned char *coeffs, size_t len, uint32_t matrices, size_t n_vars,
                     size_t rows, size_t *count, uint32_t bad[3]) {
    if (len < 4) return -2;
    uint32_t cnt;
    memcpy(&cnt, coeffs, 4);
    *count = cnt;
    if (len != 4 + (size_t)cnt * 44) return -2;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t v[3];
        memcpy(v, coeffs + 4 + 44 * k, 12);
        if (v[0] >= matrices || v[1] >= rows || v[2] >= n_vars) {
            memcpy(bad, v, sizeof v);
            return (long)k;
        }
    }
    return -1;
}

long zk_r1cs_first_unsatisfied(const unsigned char *coeffs, size_t count, const unsigned char *wit,
                               size_t rows) {
    /* Row sums in Montgomery form (module comment): a b = c holds in Montgomery form exactly
     * when it holds for the plain values, so no conversion is needed before comparing. */
    if (rows > SIZE_MAX / (3 * sizeof(fr))) return -2; /* 3 * rows must not wrap */
    fr *abc = calloc(3 * (rows ? rows : 1), sizeof *abc);
    if (!abc) return -2;
    acc_ctx ctx = {coeffs + 4, count, wit, {abc, abc + rows, abc + 2 * rows}};
    zk_parallel(3, acc_task, &ctx);
    long first = -1;
    for (size_t i = 0; i < rows && first < 0; i++) {
        fr t;
        fr_mul(&t, &abc[i], &abc[rows + i]);
        fr_sub(&t, &t, &abc[2 * rows + i]);
        fr_reduce(&t);
        if (!fr_is_zero(&t)) first = (long)i;
    }
    free(abc);
    return first;
}

int zk_h_evaluations(const unsigned char *coeffs, size_t count, const unsigned char *wit, size_t n,
                     unsigned char *out) {
    fr *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b), *c = malloc(n * sizeof *c);
    if (!a || !b || !c) { free(a); free(b); free(c); return -1; }
    acc_ctx ctx = {coeffs + 4, count, wit, {a, b}};
    zk_parallel(2, acc_task, &ctx);
    for (size_t i = 0; i < n; i++) fr_mul(&c[i], &a[i], &b[i]);
    /* g = w_2n = ROOT^(2^28 / 2n) */
    int logn = __builtin_ctzll((unsigned long long)n);
    fr g;
    fr_to_mont(&g, &ROOT);
    for (int i = logn + 1; i < 28; i++) fr_sqr(&g, &g);
    fr *polys[3] = {a, b, c};
    for (int k = 0; k < 3; k++) {
        zk_fr_ntt_mont(polys[k], n, 1, &fr_one);
        zk_fr_ntt_mont(polys[k], n, 0, &g);
    }
    for (size_t i = 0; i < n; i++) {
        fr t;
        fr_mul(&t, &a[i], &b[i]);
        fr_sub(&t, &t, &c[i]);
        fr_from_mont(&t, &t);
        memcpy(out + 32 * i, t.l, 32);
    }
    free(a); free(b); free(c);
    return 0;
}
