/* Group inverse DFT, one template for G1 and G2 (instantiated twice in groupfft.c with PT, FE, F
 * as in ../curve_impl.h).
 *
 * out_i = (1/n) sum_j w^{-ij} P_j: iterative radix-2 Cooley-Tukey, decimation in time (the
 * schedule of zkproof.ceremony.lagrange.group_ifft, the reference): bit-reversed copy of the
 * input, log2(n) stages of butterflies (u, v) -> (u + t v, u - t v) with t = w_L^{-k}, then a
 * scaling by n^{-1} and one batched inversion (Montgomery's trick) per output block. The points
 * stay Jacobian until that last step; only the small per-multiplication tables are made affine
 * (one inversion per block of GF_BLOCK multiplications) so that the main loops add mixed.
 * Each stage's n/2 butterflies touch disjoint pairs, so they are split into blocks that the
 * kernel's fork-join helper (zk_parallel) spreads over threads.
 */

/* r = s * p, s = k1 + k2 lambda given as two rows of width-5 NAF digits (gf_glv_digits):
 * Straus-Shamir over the affine tables p, 3p, ..., 15p and their images under phi (the
 * endomorphism (x, y) -> (beta x, y), which acts as lambda; GLV 2001): ~128 doublings and ~43
 * mixed additions for a 254-bit scalar, against ~252 doublings and ~63 additions with one row
 * of signed 4-bit windows. `tab` is p, 3p, ..., 15p affine (all infinity when p is). */
static void PT(gf_mul_aff)(PT(jac) *r, const PT(aff) *tab, const int8_t *dig) {
    const int8_t *d1 = dig, *d2 = dig + GF_NWIN;
    int w = GF_NWIN - 1;
    while (w >= 0 && d1[w] == 0 && d2[w] == 0) w--;
    PT(jac_set_inf)(r);
    if (w < 0 || PT(aff_is_inf)(&tab[0])) return;
    PT(aff) tphi[8], t;
    for (int j = 0; j < 8; j++) PT(gf_phi)(&tphi[j], &tab[j]);
    for (; w >= 0; w--) {
        if (!PT(jac_is_inf)(r)) PT(jac_dbl)(r, r);
        int d = d1[w];
        if (d > 0) {
            PT(jac_add_aff)(r, r, &tab[d >> 1]);
        } else if (d < 0) {
            PT(aff_neg)(&t, &tab[(-d) >> 1]);
            PT(jac_add_aff)(r, r, &t);
        }
        d = d2[w];
        if (d > 0) {
            PT(jac_add_aff)(r, r, &tphi[d >> 1]);
        } else if (d < 0) {
            PT(aff_neg)(&t, &tphi[(-d) >> 1]);
            PT(jac_add_aff)(r, r, &t);
        }
    }
}

/* Scratch of one block multiplication (heap: ~150 KB for G2). */
typedef struct {
    PT(jac) jt[GF_BLOCK * 8];
    PT(aff) at[GF_BLOCK * 8];
    PT(aff) ph[GF_BLOCK * 8];   /* phi images of `at` (cer_impl.h's interleaved sums) */
    FE scratch[2 * GF_BLOCK * 8];
} PT(gf_work);

/* wk->at[8 i + j] = (2j + 1) in[i] affine for i < m <= GF_BLOCK, one inversion for all. */
static void PT(gf_tables)(PT(gf_work) *wk, const PT(jac) *in, size_t m) {
    for (size_t i = 0; i < m; i++) {
        PT(jac) *tab = wk->jt + 8 * i;
        if (PT(jac_is_inf)(&in[i])) { memset(tab, 0, 8 * sizeof *tab); continue; }
        PT(jac) two;
        PT(jac_dbl)(&two, &in[i]);
        tab[0] = in[i];
        for (int j = 1; j < 8; j++) PT(jac_add)(&tab[j], &tab[j - 1], &two);
    }
    PT(jac_to_aff_batch)(wk->at, wk->jt, 8 * m, wk->scratch);
}

/* out[i] = s_i * in[i] for m <= GF_BLOCK points (out may alias in): the tables p..15p of all
 * m points are made affine together (one inversion), so the main loops use mixed additions. */
static void PT(gf_mul_block)(PT(gf_work) *wk, PT(jac) *out, const PT(jac) *in,
                             const int8_t *const *dig, size_t m) {
    PT(gf_tables)(wk, in, m);
    for (size_t i = 0; i < m; i++) PT(gf_mul_aff)(&out[i], wk->at + 8 * i, dig[i]);
}

typedef struct {
    PT(jac) *a;               /* the n points, transformed in place */
    const int8_t *tw;         /* digits of w^{-k}, k < n/2, GF_DIG each */
    const int8_t *ninv;       /* digits of n^{-1} */
    unsigned char *out;       /* n affine LEM points */
    size_t n, half, stride;   /* stage: blocks of 2*half, twiddle index k*stride */
    int shift;                /* < 0: scale the output by n^{-1}; else by 2^shift (doublings) */
    int failed;
} PT(gf_ctx);

static void PT(gf_stage_task)(void *vctx, size_t t) {
    PT(gf_ctx) *c = vctx;
    size_t lo = t * GF_BLOCK, hi = lo + GF_BLOCK < c->n / 2 ? lo + GF_BLOCK : c->n / 2;
    PT(gf_work) *wk = malloc(sizeof *wk);
    if (!wk) { c->failed = 1; return; }
    PT(jac) v[GF_BLOCK];
    const int8_t *dig[GF_BLOCK];
    size_t idx[GF_BLOCK], m = 0;
    memset(v, 0, sizeof v);   /* (silences a -Wmaybe-uninitialized false positive) */
    memset(dig, 0, sizeof dig);
    for (size_t b = lo; b < hi; b++) {   /* twiddles w^k, k != 0, as one block */
        size_t k = b % c->half, j = (b / c->half) * 2 * c->half + k + c->half;
        if (k == 0) continue;
        idx[m] = b;
        v[m] = c->a[j];
        dig[m++] = c->tw + k * c->stride * GF_DIG;
    }
    if (m) PT(gf_mul_block)(wk, v, v, dig, m);
    free(wk);
    size_t q = 0;
    for (size_t b = lo; b < hi; b++) {
        size_t k = b % c->half, i = (b / c->half) * 2 * c->half + k, j = i + c->half;
        PT(jac) u = c->a[i], tv;
        if (q < m && idx[q] == b) tv = v[q++];
        else tv = c->a[j];                         /* twiddle w^0 = 1 */
        PT(jac_add)(&c->a[i], &u, &tv);
        PT(jac_neg)(&tv, &tv);
        PT(jac_add)(&c->a[j], &u, &tv);
    }
}

/* Scale one output block by n^{-1} (or 2^shift, see gf_ctx) and write it affine (one inversion
 * for the block). */
static void PT(gf_out_task)(void *vctx, size_t t) {
    PT(gf_ctx) *c = vctx;
    size_t lo = t * GF_OUT_CHUNK, hi = lo + GF_OUT_CHUNK < c->n ? lo + GF_OUT_CHUNK : c->n;
    PT(gf_work) *wk = malloc(sizeof *wk);
    FE *scratch = malloc(2 * GF_OUT_CHUNK * sizeof *scratch);
    if (!wk || !scratch) { free(wk); free(scratch); c->failed = 1; return; }
    const int8_t *dig[GF_BLOCK];
    for (size_t i = 0; i < GF_BLOCK; i++) dig[i] = c->ninv;
    if (c->shift >= 0) {
        for (size_t i = lo; i < hi; i++)
            for (int k = 0; k < c->shift; k++) PT(jac_dbl)(&c->a[i], &c->a[i]);
    } else {
        for (size_t i = lo; i < hi; i += GF_BLOCK) {
            size_t m = hi - i < GF_BLOCK ? hi - i : GF_BLOCK;
            PT(gf_mul_block)(wk, c->a + i, c->a + i, dig, m);
        }
    }
    PT(jac_to_aff_batch)((PT(aff) *)(c->out + lo * sizeof(PT(aff))), c->a + lo, hi - lo, scratch);
    free(wk);
    free(scratch);
}

/* in: n = 2^logn affine LEM points (reduced mod q on load); out: n points; shift as in gf_ctx.
 * 0 or -1 (memory). */
static int PT(gf_run)(const unsigned char *in, size_t n, int logn, int shift, unsigned char *out) {
    PT(gf_ctx) c = {0};
    c.n = n;
    c.shift = shift;
    c.out = out;
    c.a = malloc(n * sizeof *c.a);
    int8_t *dig = malloc((n / 2 + 1) * GF_DIG);
    if (!c.a || !dig) { free(c.a); free(dig); return -1; }
    for (size_t i = 0; i < n; i++) {   /* bit-reversed load */
        size_t r = 0;
        for (int b = 0; b < logn; b++) r |= ((i >> b) & 1) << (logn - 1 - b);
        PT(aff) p;
        memcpy(&p, in + r * sizeof p, sizeof p);
        F(reduce)(&p.x);
        F(reduce)(&p.y);
        PT(jac_from_aff)(&c.a[i], &p);
    }
    gf_twiddle_digits(dig, n, logn);
    c.tw = dig;
    c.ninv = dig + (n / 2) * GF_DIG;
    for (c.half = 1; c.half < n; c.half <<= 1) {
        c.stride = n / (2 * c.half);
        zk_parallel((n / 2 + GF_BLOCK - 1) / GF_BLOCK, PT(gf_stage_task), &c);
    }
    zk_parallel((n + GF_OUT_CHUNK - 1) / GF_OUT_CHUNK, PT(gf_out_task), &c);
    free(c.a);
    free(dig);
    return c.failed ? -1 : 0;
}
