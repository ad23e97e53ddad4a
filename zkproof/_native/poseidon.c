/* Poseidon over BN254's F_r (circomlib parameters), the optimized permutation in C.
 *
 * A line-by-line mirror of zkproof.hash.poseidon.permute (the Python code stays the oracle and
 * the fallback; tests/test_poseidon_native.py compares them for every width):
 *   - R_F/2 full rounds: s_i = (s_i + c_i)^5, s = M s;
 *   - s = D (s + pre_c)                     (D and pre_c: the first partial round's leftovers);
 *   - R_P partial rounds on the sparse factors (Poseidon paper, ePrint 2019/458, App. B):
 *       x = (s_0 + k)^5, s_0 = row0_0 x + sum_j row0_(j+1) s_(j+1), s_(j+1) += col0_j x;
 *   - R_F/2 full rounds (the first one's constants absorb the partial rounds' carry); the last
 *     matrix product computes only the n_out rows the caller wants (the hash: row 0).
 * All values in Montgomery form; constants come from Python (poseidon_params.optimized) once
 * per width and are converted here. Cost for t = 10: ~2,400 field products (vs ~1,200 big-int
 * products plus interpreter overhead in Python).
 */
#include <stdlib.h>
#include <string.h>

#include "poseidon.h"
#include "threads.h"

size_t zk_poseidon_count(int t, int r_f, int r_p) {
    size_t T = (size_t)t;
    return (size_t)r_f * T + 2 * T * T + T + (size_t)r_p * 2 * T;
}

/* 32 bytes, little endian, as limbs; 1 if the value is below r. */
static int load_canonical(fr *x, const unsigned char *b) {
    memcpy(x->l, b, 32);
    return !fr_geq_mod(x);
}

zk_poseidon *zk_poseidon_new(int t, int r_f, int r_p, const unsigned char *consts, long *bad) {
    size_t n = zk_poseidon_count(t, r_f, r_p);
    *bad = -1;
    zk_poseidon *p = malloc(sizeof *p + n * sizeof(fr));
    if (!p) return NULL;
    p->t = t; p->r_f = r_f; p->r_p = r_p;
    for (size_t i = 0; i < n; i++) {
        fr x;
        if (!load_canonical(&x, consts + 32 * i)) { *bad = (long)i; free(p); return NULL; }
        fr_to_mont(&p->data[i], &x);
    }
    size_t T = (size_t)t, half = (size_t)r_f / 2;
    fr *q = p->data;
    p->first_full = q; q += half * T;
    p->mds = q; q += T * T;
    p->pre_c = q; q += T;
    p->pre_d = q; q += T * T;
    p->partial_k = q; q += (size_t)r_p;
    p->sparse = q; q += (size_t)r_p * (2 * T - 1);
    p->last_full = q;
    return p;
}

void zk_poseidon_free(zk_poseidon *p) { free(p); }

static ZK_INLINE void sbox(fr *x) {
    fr x2, x4;
    fr_sqr(&x2, x);
    fr_sqr(&x4, &x2);
    fr_mul(x, &x4, x);
}

/* out_i = sum_j m[i][j] v_j for the first `rows` rows (out must not alias v). */
static void mat_vec(fr *out, const fr *m, const fr *v, int t, int rows) {
    for (int i = 0; i < rows; i++) {
        const fr *row = m + (size_t)i * t;
        fr acc, prod;
        fr_mul(&acc, &row[0], &v[0]);
        for (int j = 1; j < t; j++) {
            fr_mul(&prod, &row[j], &v[j]);
            fr_add(&acc, &acc, &prod);
        }
        out[i] = acc;
    }
}

static void full_round(fr *s, const fr *c, const fr *mds, int t, int rows) {
    fr tmp[ZK_POSEIDON_MAX_T];
    for (int i = 0; i < t; i++) {
        fr_add(&tmp[i], &s[i], &c[i]);
        sbox(&tmp[i]);
    }
    mat_vec(s, mds, tmp, t, rows);
}

/* The permutation on s[0..t) (Montgomery form); afterwards s[0..n_out) hold the output. */
static void permute(const zk_poseidon *p, fr *s, int n_out) {
    const int t = p->t, half = p->r_f / 2;
    for (int r = 0; r < half; r++) full_round(s, p->first_full + (size_t)r * t, p->mds, t, t);
    fr tmp[ZK_POSEIDON_MAX_T];
    for (int i = 0; i < t; i++) fr_add(&tmp[i], &s[i], &p->pre_c[i]);
    mat_vec(s, p->pre_d, tmp, t, t);
    const fr *sp = p->sparse;
    for (int r = 0; r < p->r_p; r++, sp += 2 * t - 1) {
        const fr *row0 = sp, *col0 = sp + t;
        fr x, acc, prod;
        fr_add(&x, &s[0], &p->partial_k[r]);
        sbox(&x);
        fr_mul(&acc, &row0[0], &x);
        for (int j = 1; j < t; j++) {
            fr_mul(&prod, &row0[j], &s[j]);
            fr_add(&acc, &acc, &prod);
            fr_mul(&prod, &col0[j - 1], &x);
            fr_add(&s[j], &s[j], &prod);
        }
        s[0] = acc;
    }
    for (int r = 0; r < half - 1; r++) full_round(s, p->last_full + (size_t)r * t, p->mds, t, t);
    full_round(s, p->last_full + (size_t)(half - 1) * t, p->mds, t, n_out);
}

typedef struct {
    const zk_poseidon *p;
    const unsigned char *in;
    size_t width, n, chunk;
    int n_out;
    unsigned char *out;
} run_ctx;

static void run_task(void *vctx, size_t task) {
    const run_ctx *c = vctx;
    const int t = c->p->t;
    const size_t lead = (size_t)t - c->width;   /* 1: capacity element 0 prepended */
    size_t lo = task * c->chunk, hi = lo + c->chunk < c->n ? lo + c->chunk : c->n;
    for (size_t k = lo; k < hi; k++) {
        fr s[ZK_POSEIDON_MAX_T];
        if (lead) memset(&s[0], 0, sizeof s[0]);
        for (size_t i = 0; i < c->width; i++) {
            fr x;
            memcpy(x.l, c->in + 32 * (k * c->width + i), 32);
            fr_to_mont(&s[lead + i], &x);
        }
        permute(c->p, s, c->n_out);
        for (int i = 0; i < c->n_out; i++) {
            fr y;
            fr_from_mont(&y, &s[i]);
            memcpy(c->out + 32 * (k * (size_t)c->n_out + (size_t)i), y.l, 32);
        }
    }
}

/* Below this many permutations one thread does all (thread start-up is tens of microseconds,
 * one permutation at t = 3 about five). */
#define PAR_MIN 64
#define PAR_CHUNK 32

long zk_poseidon_run(const zk_poseidon *p, const unsigned char *states, size_t width, size_t n,
                     int n_out, unsigned char *out) {
    for (size_t i = 0; i < n * width; i++) {
        fr x;
        if (!load_canonical(&x, states + 32 * i)) return (long)i;
    }
    run_ctx ctx = {p, states, width, n, n, n_out, out};
    if (n < PAR_MIN || zk_nthreads() < 2) {
        if (n) run_task(&ctx, 0);
        return -1;
    }
    ctx.chunk = PAR_CHUNK;
    zk_parallel((n + PAR_CHUNK - 1) / PAR_CHUNK, run_task, &ctx);
    return -1;
}
