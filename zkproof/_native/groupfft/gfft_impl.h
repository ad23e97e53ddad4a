/* Group inverse DFT, one template for G1 and G2 (instantiated twice in groupfft.c with PT, FE, F
 * as in ../curve_impl.h).
 *
 * out_i = (1/n) sum_j w^{-ij} P_j: iterative radix-2 Cooley-Tukey, decimation in time (the
 * schedule of zkproof.ceremony.lagrange.group_ifft, the reference): bit-reversed copy of the
 * input, log2(n) stages of butterflies (u, v) -> (u + t v, u - t v) with t = w_L^{-k}, then a
 * scaling by n^{-1} and one batched inversion (Montgomery's trick) per output block. All points
 * stay Jacobian until that last step. Each stage's n/2 butterflies touch disjoint pairs, so they
 * are split into chunks that the kernel's fork-join helper (zk_parallel) spreads over threads.
 */

/* r = s * p, s = k1 + k2 lambda given as two rows of signed 4-bit digits (gf_glv_digits):
 * Straus-Shamir over the tables 1p..8p and phi(1p..8p) (phi = the endomorphism (x, y) ->
 * (beta x, y), which acts as lambda, GLV 2001): ~130 doublings and <= 66 additions for a
 * 254-bit scalar, against ~252 doublings with a single 254-bit row. Jacobian in and out. */
static void PT(gf_mul)(PT(jac) *r, const PT(jac) *p, const int8_t *dig) {
    const int8_t *d1 = dig, *d2 = dig + GF_NWIN;
    int w = GF_NWIN - 1;
    while (w >= 0 && d1[w] == 0 && d2[w] == 0) w--;
    if (w < 0 || PT(jac_is_inf)(p)) { PT(jac_set_inf)(r); return; }
    PT(jac) tab[8], tphi[8], acc, t;
    tab[0] = *p;
    PT(jac_dbl)(&tab[1], p);
    for (int j = 2; j < 8; j++) PT(jac_add)(&tab[j], &tab[j - 1], p);
    for (int j = 0; j < 8; j++) PT(gf_phi)(&tphi[j], &tab[j]);
    PT(jac_set_inf)(&acc);
    for (; w >= 0; w--) {
        if (!PT(jac_is_inf)(&acc))
            for (int k = 0; k < GF_WBITS; k++) PT(jac_dbl)(&acc, &acc);
        int d = d1[w];
        if (d > 0) {
            PT(jac_add)(&acc, &acc, &tab[d - 1]);
        } else if (d < 0) {
            PT(jac_neg)(&t, &tab[-d - 1]);
            PT(jac_add)(&acc, &acc, &t);
        }
        d = d2[w];
        if (d > 0) {
            PT(jac_add)(&acc, &acc, &tphi[d - 1]);
        } else if (d < 0) {
            PT(jac_neg)(&t, &tphi[-d - 1]);
            PT(jac_add)(&acc, &acc, &t);
        }
    }
    *r = acc;
}

typedef struct {
    PT(jac) *a;               /* the n points, transformed in place */
    const int8_t *tw;         /* digits of w^{-k}, k < n/2, GF_DIG each */
    const int8_t *ninv;       /* digits of n^{-1} */
    unsigned char *out;       /* n affine LEM points */
    size_t n, half, stride;   /* stage: blocks of 2*half, twiddle index k*stride */
    int failed;
} PT(gf_ctx);

static void PT(gf_stage_task)(void *vctx, size_t t) {
    PT(gf_ctx) *c = vctx;
    size_t lo = t * GF_CHUNK, hi = lo + GF_CHUNK < c->n / 2 ? lo + GF_CHUNK : c->n / 2;
    for (size_t m = lo; m < hi; m++) {
        size_t k = m % c->half, i = (m / c->half) * 2 * c->half + k, j = i + c->half;
        PT(jac) v, u = c->a[i];
        if (k == 0) v = c->a[j];                  /* twiddle w^0 = 1 */
        else PT(gf_mul)(&v, &c->a[j], c->tw + k * c->stride * GF_DIG);
        PT(jac_add)(&c->a[i], &u, &v);
        PT(jac_neg)(&v, &v);
        PT(jac_add)(&c->a[j], &u, &v);
    }
}

/* Scale one output block by n^{-1} and write it affine (one inversion for the block). */
static void PT(gf_out_task)(void *vctx, size_t t) {
    PT(gf_ctx) *c = vctx;
    size_t lo = t * GF_OUT_CHUNK, hi = lo + GF_OUT_CHUNK < c->n ? lo + GF_OUT_CHUNK : c->n;
    FE *scratch = malloc(2 * GF_OUT_CHUNK * sizeof *scratch);
    if (!scratch) { c->failed = 1; return; }
    for (size_t i = lo; i < hi; i++) PT(gf_mul)(&c->a[i], &c->a[i], c->ninv);
    PT(jac_to_aff_batch)((PT(aff) *)(c->out + lo * sizeof(PT(aff))), c->a + lo, hi - lo, scratch);
    free(scratch);
}

/* in: n = 2^logn affine LEM points (reduced mod q on load); out: n points. 0 or -1 (memory). */
static int PT(gf_run)(const unsigned char *in, size_t n, int logn, unsigned char *out) {
    PT(gf_ctx) c = {0};
    c.n = n;
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
        zk_parallel((n / 2 + GF_CHUNK - 1) / GF_CHUNK, PT(gf_stage_task), &c);
    }
    zk_parallel((n + GF_OUT_CHUNK - 1) / GF_OUT_CHUNK, PT(gf_out_task), &c);
    free(c.a);
    free(dig);
    return c.failed ? -1 : 0;
}
