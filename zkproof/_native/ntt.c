/* Radix-2 NTT / inverse NTT over F_r with a coset shift (zkproof.kernel.fr_ntt).
 *
 * forward: out_j = sum_i v_i (g w^j)^i, i.e. scale v_i by g^i, then a Cooley-Tukey transform with
 * w = the n-th root of unity 5^((r-1)/n) (snarkjs' and arkworks' domain);
 * inverse: transform with w^-1, then scale by n^-1 g^-i. Iterative, bit-reversed input order,
 * natural output order, twiddles w^k precomputed once per call. Stages are split over threads by
 * butterfly index when n is large enough to pay for it.
 */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "ntt.h"
#include "threads.h"

/* 2^28-th root of unity 5^((r-1)/2^28), canonical (zkproof.field.fr.ROOT_OF_UNITY). */
static const fr ROOT_2_28 = {{0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL, 0x00e0a7eb8ef62abcULL,
                              0x2a3c09f0a58a7e85ULL}};

#define NTT_PAR_MIN 4096      /* below this size one thread is faster than forking */
#define NTT_CHUNK 2048

/* base^e for a small exponent (e < 2^64), Montgomery form. */
static void fr_pow_u64(fr *r, const fr *base, uint64_t e) {
    uint64_t ee[4] = {e, 0, 0, 0};
    fr_pow(r, base, ee);
}

/* a_i *= c * g^i for i in [lo, hi). */
static void scale_range(fr *a, size_t lo, size_t hi, const fr *c, const fr *g) {
    fr f;
    fr_pow_u64(&f, g, lo);
    fr_mul(&f, &f, c);
    for (size_t i = lo; i < hi; i++) {
        fr_mul(&a[i], &a[i], &f);
        fr_mul(&f, &f, g);
    }
}

typedef struct {
    fr *a;
    fr *tw;
    size_t n, half, stride;   /* stage: blocks of 2*half, twiddle w^(k*stride) */
    const fr *c, *g;          /* scaling task */
} ntt_ctx;

static void scale_task(void *vctx, size_t t) {
    ntt_ctx *ctx = vctx;
    size_t lo = t * NTT_CHUNK, hi = lo + NTT_CHUNK < ctx->n ? lo + NTT_CHUNK : ctx->n;
    scale_range(ctx->a, lo, hi, ctx->c, ctx->g);
}

static void twiddle_task(void *vctx, size_t t) {
    ntt_ctx *ctx = vctx;
    size_t m = ctx->n / 2;
    size_t lo = t * NTT_CHUNK, hi = lo + NTT_CHUNK < m ? lo + NTT_CHUNK : m;
    fr f;
    fr_pow_u64(&f, ctx->g, lo);
    for (size_t k = lo; k < hi; k++) {
        ctx->tw[k] = f;
        fr_mul(&f, &f, ctx->g);
    }
}

static void butterflies(ntt_ctx *ctx, size_t lo, size_t hi) {
    fr *a = ctx->a;
    size_t half = ctx->half;
    for (size_t j = lo; j < hi; j++) {
        size_t blk = j / half, k = j % half;
        size_t i0 = blk * 2 * half + k, i1 = i0 + half;
        fr v, u = a[i0];
        fr_mul(&v, &a[i1], &ctx->tw[k * ctx->stride]);
        fr_add(&a[i0], &u, &v);
        fr_sub(&a[i1], &u, &v);
    }
}

static void stage_task(void *vctx, size_t t) {
    ntt_ctx *ctx = vctx;
    size_t m = ctx->n / 2;
    size_t lo = t * NTT_CHUNK, hi = lo + NTT_CHUNK < m ? lo + NTT_CHUNK : m;
    butterflies(ctx, lo, hi);
}

static void run(size_t ntasks, zk_task_fn fn, ntt_ctx *ctx) {
    if (ctx->n < NTT_PAR_MIN) {
        for (size_t t = 0; t < ntasks; t++) fn(ctx, t);
    } else {
        zk_parallel(ntasks, fn, ctx);
    }
}

void zk_fr_ntt_mont(fr *a, size_t n, int inverse, const fr *shift_mont) {
    if (n <= 1) return;   /* n^-1 = 1 and g^0 = 1: the loaders already reduced a[0] */
    int logn = __builtin_ctzll((unsigned long long)n);
    fr w;
    fr_to_mont(&w, &ROOT_2_28);
    for (int i = logn; i < 28; i++) fr_sqr(&w, &w);
    if (inverse) fr_inv(&w, &w);
    ntt_ctx ctx = {a, NULL, n, 0, 0, NULL, NULL};
    size_t nchunk_n = (n + NTT_CHUNK - 1) / NTT_CHUNK, nchunk_h = (n / 2 + NTT_CHUNK - 1) / NTT_CHUNK;
    int shifted = !fr_eq(shift_mont, &fr_one);
    if (!inverse && shifted) {
        ctx.c = &fr_one;
        ctx.g = shift_mont;
        run(nchunk_n, scale_task, &ctx);
    }
    /* bit-reversal permutation */
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j |= bit;
        if (i < j) { fr t = a[i]; a[i] = a[j]; a[j] = t; }
    }
    fr *tw = malloc((n / 2) * sizeof *tw);
    ctx.tw = tw;
    ctx.g = &w;
    if (tw) {
        run(nchunk_h, twiddle_task, &ctx);
    }
    for (size_t half = 1; half < n; half <<= 1) {
        ctx.half = half;
        ctx.stride = n / (2 * half);
        if (tw) {
            run(nchunk_h, stage_task, &ctx);
        } else {
            /* out of memory for twiddles: compute them on the fly, single thread */
            fr wl;
            fr_pow_u64(&wl, &w, ctx.stride);
            for (size_t blk = 0; blk < n; blk += 2 * half) {
                fr f = fr_one;
                for (size_t k = 0; k < half; k++) {
                    fr v, u = a[blk + k];
                    fr_mul(&v, &a[blk + k + half], &f);
                    fr_add(&a[blk + k], &u, &v);
                    fr_sub(&a[blk + k + half], &u, &v);
                    fr_mul(&f, &f, &wl);
                }
            }
        }
    }
    free(tw);
    if (inverse) {
        fr ninv, gi;
        fr nn = {{(uint64_t)n, 0, 0, 0}};
        fr_to_mont(&ninv, &nn);
        fr_inv(&ninv, &ninv);
        fr_inv(&gi, shift_mont);
        ctx.c = &ninv;
        ctx.g = &gi;
        run(nchunk_n, scale_task, &ctx);
    }
}
