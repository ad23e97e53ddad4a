/* Ceremony kernels, one template for G1 and G2 (instantiated in groupfft.c with PT, FE, F as in
 * ../curve_impl.h, after gfft_impl.h whose GLV block multiplication they reuse).
 *
 * - PT(cer_geo_run): out_i = (first * ratio^i) P_i, the elementwise scaling of a powers-of-tau
 *   contribution (entry i times tau^i, alpha tau^i, ...; ratio = 1 for phase 2's 1/x). Each
 *   point goes through PT(gf_mul_block) (GLV split k = k1 + k2 lambda, width-5 NAF Straus over
 *   affine tables): ~130 doublings instead of ~254 for the kernel's plain batch multiplication.
 *   Tasks of CER_CHUNK points run on the kernel's threads; a task starts its scalars at
 *   first * ratio^lo (one exponentiation) and walks them by one F_r product per point. When
 *   every input is the same point (a fresh accumulator), a comb table of that point replaces
 *   the doublings (PT(cer_fb_mul)).
 * - PT(cer_encode_run): LEM affine -> snarkjs' transcript encodings (ffjavascript LEMtoU /
 *   LEMtoC): big-endian coordinates, G2 as c1 before c0; compressed = x only, 0x80 when y is
 *   "negative" (y > (q-1)/2, for F_q2 the sign of c1 unless c1 = 0), infinity = 0x40 (compressed)
 *   or all zero (uncompressed). zkproof.ceremony.transcript is the reference.
 * - PT(cer_add_run): out_i = a_i + b_i (or a_i - b_i), affine LEM, one inversion per chunk
 *   (zkey new hashes tau^{i+n} G - tau^i G).
 */

#define CER_CHUNK 256   /* points per task */

#ifndef CER_RECODE8
#define CER_RECODE8
#define CER_FB_WIN 17    /* signed 8-bit windows per GLV half (|k_i| < 2^127, + carry) */
#define CER_FB_ENT 128   /* table entries per window: 1..128 times 2^(8w) P */
#define CER_FB_MIN 64    /* points from which a batch of one repeated base uses the comb */
/* Signed 8-bit windows (-128, 128] of a signed 128-bit value, |v| < 2^127. */
static void cer_recode8(__int128 v, int16_t *dig) {
    int neg = v < 0, carry = 0;
    u128 m = neg ? (u128)0 - (u128)v : (u128)v;
    for (int w = 0; w < CER_FB_WIN; w++) {
        int raw = (w < 16 ? (int)((m >> (8 * w)) & 255) : 0) + carry;
        carry = raw > 128;
        int d = carry ? raw - 256 : raw;
        dig[w] = (int16_t)(neg ? -d : d);
    }
}
#endif

typedef struct {
    const unsigned char *in;
    unsigned char *out;
    size_t n;
    fr first, ratio;   /* Montgomery form */
    const PT(aff) *comb;   /* non-NULL: every input is the same point; its comb table */
    int failed;
} PT(cer_geo_ctx);

/* Fixed base (a fresh accumulator: every entry the generator): s P = sum_w (d1_w 2^(8w) P +
 * d2_w 2^(8w) phi(P)) over the table comb[w][j] = (j + 1) 2^(8w) P, no doublings: ~34 mixed
 * additions instead of ~128 doublings + ~43 additions. */
static void PT(cer_fb_mul)(PT(jac) *r, const PT(aff) *comb, const fr *canon) {
    __int128 k1, k2;
    int16_t d[2][CER_FB_WIN];
    gf_glv_split(canon, &k1, &k2);
    cer_recode8(k1, d[0]);
    cer_recode8(k2, d[1]);
    PT(jac_set_inf)(r);
    for (int half = 0; half < 2; half++) {
        for (int w = 0; w < CER_FB_WIN; w++) {
            int v = d[half][w];
            if (!v) continue;
            PT(aff) t = comb[w * CER_FB_ENT + (v > 0 ? v : -v) - 1];
            if (half) PT(gf_phi)(&t, &t);
            if (v < 0) PT(aff_neg)(&t, &t);
            PT(jac_add_aff)(r, r, &t);
        }
    }
}

/* comb[w][j] = (j + 1) 2^(8w) p, affine; NULL on allocation failure. */
static PT(aff) *PT(cer_fb_table)(const PT(aff) *p) {
    size_t nt = (size_t)CER_FB_WIN * CER_FB_ENT;
    PT(aff) *comb = malloc(nt * sizeof *comb);
    PT(jac) *jt = malloc(nt * sizeof *jt);
    FE *scratch = malloc(2 * nt * sizeof *scratch);
    if (!comb || !jt || !scratch) { free(comb); free(jt); free(scratch); return NULL; }
    PT(jac) base;
    PT(jac_from_aff)(&base, p);
    for (int w = 0; w < CER_FB_WIN; w++) {
        PT(jac) *row = jt + (size_t)w * CER_FB_ENT;
        row[0] = base;
        for (int j = 1; j < CER_FB_ENT; j++) PT(jac_add)(&row[j], &row[j - 1], &base);
        for (int k = 0; k < 8; k++) PT(jac_dbl)(&base, &base);
    }
    PT(jac_to_aff_batch)(comb, jt, nt, scratch);
    free(jt);
    free(scratch);
    return comb;
}

static void PT(cer_geo_task)(void *vctx, size_t t) {
    PT(cer_geo_ctx) *c = vctx;
    size_t lo = t * CER_CHUNK, hi = lo + CER_CHUNK < c->n ? lo + CER_CHUNK : c->n, k = hi - lo;
    PT(gf_work) *wk = malloc(sizeof *wk);
    PT(jac) *res = malloc(k * sizeof *res);
    FE *scratch = malloc(2 * k * sizeof *scratch);
    int8_t *dig = malloc(GF_BLOCK * GF_DIG);
    if (!wk || !res || !scratch || !dig) {
        free(wk); free(res); free(scratch); free(dig);
        c->failed = 1;
        return;
    }
    fr s;
    uint64_t e[4] = {(uint64_t)lo, 0, 0, 0};
    fr_pow(&s, &c->ratio, e);
    fr_mul(&s, &s, &c->first);
    const int8_t *dp[GF_BLOCK];
    for (size_t b = 0; b < k; b += GF_BLOCK) {
        size_t m = k - b < GF_BLOCK ? k - b : GF_BLOCK;
        for (size_t i = 0; i < m; i++) {
            fr canon;
            fr_from_mont(&canon, &s);
            fr_mul(&s, &s, &c->ratio);
            if (c->comb) { PT(cer_fb_mul)(&res[b + i], c->comb, &canon); continue; }
            PT(aff) p;
            memcpy(&p, c->in + (lo + b + i) * sizeof p, sizeof p);
            F(reduce)(&p.x);
            F(reduce)(&p.y);
            PT(jac_from_aff)(&res[b + i], &p);
            gf_glv_digits(&canon, dig + i * GF_DIG);
            dp[i] = dig + i * GF_DIG;
        }
        if (!c->comb) PT(gf_mul_block)(wk, res + b, res + b, dp, m);
    }
    PT(jac_to_aff_batch)((PT(aff) *)(c->out + lo * sizeof(PT(aff))), res, k, scratch);
    free(wk); free(res); free(scratch); free(dig);
}

/* first, ratio: canonical scalars (< r); in/out: n LEM points (out must not alias in). */
static int PT(cer_geo_run)(const unsigned char *in, size_t n, const fr *first, const fr *ratio,
                           unsigned char *out) {
    PT(cer_geo_ctx) c = {in, out, n, {{0}}, {{0}}, NULL, 0};
    fr_to_mont(&c.first, first);
    fr_to_mont(&c.ratio, ratio);
    PT(aff) *comb = NULL;
    size_t same = n >= CER_FB_MIN;
    for (size_t i = 1; same && i < n; i++) same = !memcmp(in, in + i * sizeof(PT(aff)), sizeof(PT(aff)));
    if (same) {
        PT(aff) p;
        memcpy(&p, in, sizeof p);
        F(reduce)(&p.x);
        F(reduce)(&p.y);
        if (PT(aff_is_inf)(&p)) { memset(out, 0, n * sizeof p); return 0; }
        if (!(comb = PT(cer_fb_table)(&p))) return -1;
        c.comb = comb;
    }
    zk_parallel((n + CER_CHUNK - 1) / CER_CHUNK, PT(cer_geo_task), &c);
    free(comb);
    return c.failed ? -1 : 0;
}

typedef struct {
    const unsigned char *a, *b;
    unsigned char *out;
    size_t n;
    int sub, failed;
} PT(cer_add_ctx);

static void PT(cer_add_task)(void *vctx, size_t t) {
    PT(cer_add_ctx) *c = vctx;
    size_t lo = t * CER_CHUNK, hi = lo + CER_CHUNK < c->n ? lo + CER_CHUNK : c->n, k = hi - lo;
    PT(jac) *res = malloc(k * sizeof *res);
    FE *scratch = malloc(2 * k * sizeof *scratch);
    if (!res || !scratch) { free(res); free(scratch); c->failed = 1; return; }
    for (size_t i = 0; i < k; i++) {
        PT(aff) p, q;
        memcpy(&p, c->a + (lo + i) * sizeof p, sizeof p);
        memcpy(&q, c->b + (lo + i) * sizeof q, sizeof q);
        F(reduce)(&p.x); F(reduce)(&p.y); F(reduce)(&q.x); F(reduce)(&q.y);
        if (c->sub && !PT(aff_is_inf)(&q)) PT(aff_neg)(&q, &q);
        PT(jac_from_aff)(&res[i], &p);
        PT(jac_add_aff)(&res[i], &res[i], &q);
    }
    PT(jac_to_aff_batch)((PT(aff) *)(c->out + lo * sizeof(PT(aff))), res, k, scratch);
    free(res); free(scratch);
}

static int PT(cer_add_run)(const unsigned char *a, const unsigned char *b, size_t n, int sub,
                           unsigned char *out) {
    PT(cer_add_ctx) c = {a, b, out, n, sub, 0};
    zk_parallel((n + CER_CHUNK - 1) / CER_CHUNK, PT(cer_add_task), &c);
    return c.failed ? -1 : 0;
}

/* ---- sparse linear combinations: out_t = sum_{j in terms(t)} s_j B_{idx_j} (zkey new) ----
 * Terms are grouped by target (start[t] .. start[t+1]). Scalars 0 and +-1 cost nothing / one
 * mixed addition (most R1CS coefficients); the others go through the GLV block multiplication
 * GF_BLOCK at a time and are then added to their target. An empty target is infinity. */

typedef struct {
    const unsigned char *bases;   /* LEM affine */
    size_t nbases;
    const uint32_t *idx;
    const unsigned char *scs;     /* 32-byte LE scalars, reduced mod r here */
    const uint64_t *start;        /* ntargets + 1 offsets */
    unsigned char *out;
    size_t ntargets;
    const size_t *bnd;            /* task t: targets bnd[t] .. bnd[t+1] (balanced by terms) */
    int failed;
} PT(cer_lc_ctx);

static void PT(cer_lc_load)(const PT(cer_lc_ctx) *c, uint32_t i, PT(aff) *p) {
    memcpy(p, c->bases + (size_t)i * sizeof *p, sizeof *p);
    F(reduce)(&p->x);
    F(reduce)(&p->y);
}

/* acc[owner[i]] += s_i pend[i] for the m <= GF_BLOCK pending terms, owner nondecreasing: the
 * terms of one target share one doubling chain (Straus interleaving over the GLV/wNAF digits),
 * so a wire with many big coefficients costs ~128 doublings plus ~43 mixed additions per term
 * instead of ~128 doublings per term. */
static void PT(cer_lc_flush)(PT(gf_work) *wk, PT(jac) *acc, PT(jac) *pend, const int8_t **dp,
                             const size_t *owner, size_t m) {
    if (!m) return;
    PT(gf_tables)(wk, pend, m);
    for (size_t i = 0; i < 8 * m; i++) PT(gf_phi)(&wk->ph[i], &wk->at[i]);
    for (size_t i0 = 0, i1; i0 < m; i0 = i1) {
        int top = -1;
        for (i1 = i0; i1 < m && owner[i1] == owner[i0]; i1++)
            for (int w = GF_NWIN - 1; w > top; w--)
                if (dp[i1][w] || dp[i1][GF_NWIN + w]) { top = w; break; }
        PT(jac) r;
        PT(aff) t;
        PT(jac_set_inf)(&r);
        for (int w = top; w >= 0; w--) {
            if (!PT(jac_is_inf)(&r)) PT(jac_dbl)(&r, &r);
            for (size_t i = i0; i < i1; i++) {
                for (int half = 0; half < 2; half++) {
                    int d = dp[i][half * GF_NWIN + w];
                    if (!d) continue;
                    const PT(aff) *tab = (half ? wk->ph : wk->at) + 8 * i;
                    if (d > 0) {
                        PT(jac_add_aff)(&r, &r, &tab[d >> 1]);
                    } else {
                        PT(aff_neg)(&t, &tab[(-d) >> 1]);
                        PT(jac_add_aff)(&r, &r, &t);
                    }
                }
            }
        }
        PT(jac_add)(&acc[owner[i0]], &acc[owner[i0]], &r);
    }
}

static void PT(cer_lc_task)(void *vctx, size_t t) {
    PT(cer_lc_ctx) *c = vctx;
    size_t lo = c->bnd[t], hi = c->bnd[t + 1];
    size_t k = hi - lo;
    PT(gf_work) *wk = malloc(sizeof *wk);
    PT(jac) *acc = malloc(k * sizeof *acc);
    FE *scratch = malloc(2 * k * sizeof *scratch);
    int8_t *dig = malloc(GF_BLOCK * GF_DIG);
    if (!wk || !acc || !scratch || !dig) {
        free(wk); free(acc); free(scratch); free(dig);
        c->failed = 1;
        return;
    }
    static const fr minus_one = {{0x43e1f593f0000000ULL, 0x2833e84879b97091ULL,
                                  0xb85045b68181585dULL, 0x30644e72e131a029ULL}};
    PT(jac) pend[GF_BLOCK];
    const int8_t *dp[GF_BLOCK];
    size_t owner[GF_BLOCK], m = 0;
    for (size_t a = 0; a < k; a++) {
        PT(jac_set_inf)(&acc[a]);
        for (uint64_t j = c->start[lo + a]; j < c->start[lo + a + 1]; j++) {
            uint32_t bi = c->idx[j];
            if (bi >= c->nbases) { c->failed = 2; continue; }
            fr s;
            memcpy(s.l, c->scs + 32 * j, 32);
            fr_reduce(&s);
            if (fr_is_zero(&s)) continue;
            PT(aff) p;
            PT(cer_lc_load)(c, bi, &p);
            if (s.l[0] == 1 && !(s.l[1] | s.l[2] | s.l[3])) {
                PT(jac_add_aff)(&acc[a], &acc[a], &p);
                continue;
            }
            if (fr_eq(&s, &minus_one)) {
                if (!PT(aff_is_inf)(&p)) PT(aff_neg)(&p, &p);
                PT(jac_add_aff)(&acc[a], &acc[a], &p);
                continue;
            }
            PT(jac_from_aff)(&pend[m], &p);
            gf_glv_digits(&s, dig + m * GF_DIG);
            dp[m] = dig + m * GF_DIG;
            owner[m++] = a;
            if (m == GF_BLOCK) { PT(cer_lc_flush)(wk, acc, pend, dp, owner, m); m = 0; }
        }
    }
    PT(cer_lc_flush)(wk, acc, pend, dp, owner, m);
    PT(jac_to_aff_batch)((PT(aff) *)(c->out + lo * sizeof(PT(aff))), acc, k, scratch);
    free(wk); free(acc); free(scratch); free(dig);
}

/* 0, -1 (memory) or -2 (a base index out of range). */
static int PT(cer_lc_run)(const unsigned char *bases, size_t nbases, const uint32_t *idx,
                          const unsigned char *scs, const uint64_t *start, size_t ntargets,
                          unsigned char *out) {
    /* Wires with many big coefficients cluster (the constant wire, one gadget's wires), so tasks
     * are cut by term count (~1/16 of a thread's share) as well as by CER_CHUNK targets. */
    size_t *bnd = malloc((ntargets + 2) * sizeof *bnd), nt = 0;
    if (!bnd) return -1;
    uint64_t quota = start[ntargets] / (16 * (uint64_t)zk_nthreads()) + 64;
    bnd[nt++] = 0;
    for (size_t t = 0; t < ntargets; t++) {
        size_t first = bnd[nt - 1];
        if (t > first && (t - first >= CER_CHUNK || start[t] - start[first] >= quota)) bnd[nt++] = t;
    }
    bnd[nt] = ntargets;
    PT(cer_lc_ctx) c = {bases, nbases, idx, scs, start, out, ntargets, bnd, 0};
    zk_parallel(nt, PT(cer_lc_task), &c);
    free(bnd);
    return c.failed == 2 ? -2 : (c.failed ? -1 : 0);
}
