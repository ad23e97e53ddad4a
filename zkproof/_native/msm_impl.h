/* Multi-scalar multiplication and batch scalar multiplication, one template for G1 and G2
 * (instantiated in msm.c with PT, FE, F as in curve_impl.h).
 *
 * MSM = Pippenger's bucket method with signed c-bit digits (digits in (-2^(c-1), 2^(c-1)], so
 * 2^(c-1) buckets per window and -P costs one negation), windows processed in parallel.
 * Real witnesses are mostly 0, +-1, bits and 64-bit balances, so terms are first sorted into
 * classes (Groth16 provers such as rapidsnark and arkworks' `msm_bigint_wnaf` exploit the same):
 *   - zero scalar or infinity: dropped;
 *   - s = +-1: summed directly (one mixed addition each);
 *   - s or r - s below 2^64: an MSM whose window count follows the largest bit length;
 *   - everything else: the full 254-bit MSM.
 */

typedef struct {
    const PT(aff) *pts;
    const uint32_t *idx;      /* members of the class */
    const uint8_t *neg;       /* per member: use -P */
    const scalar_t *sc;       /* per member: |scalar| */
    int32_t *digits;          /* nwin x m, signed digits */
    size_t m, nchunks;
    int c, nwin;
    PT(jac) *partial;         /* nwin x nchunks window sums */
    int failed;
} PT(pip_ctx);

static void PT(pip_digits_task)(void *vctx, size_t t) {
    PT(pip_ctx) *ctx = vctx;
    size_t lo = t * 4096, hi = lo + 4096 < ctx->m ? lo + 4096 : ctx->m;
    for (size_t i = lo; i < hi; i++)
        zk_signed_digits(&ctx->sc[i], ctx->c, ctx->nwin, ctx->neg[i], ctx->digits + i, ctx->m);
}

/* Batch-affine bucket accumulation (the "affine Pippenger" of gnark-crypto and
 * Aztec/zprize MSMs): buckets stay affine, and up to ZK_BATCH pending additions bucket += Q
 * share one field inversion (Montgomery's trick), so one addition costs about 6M instead of the
 * 11M of a mixed Jacobian addition. A bucket may appear only once per batch; a second hit on
 * the same bucket ("conflict") goes into a Jacobian shadow bucket by mixed addition instead, so
 * skewed digit distributions (many equal scalars) never stall. */
#define ZK_BATCH 1024   /* capacity; the batch used depends on the bucket count */

typedef struct {
    PT(aff) *bk;          /* affine buckets */
    uint8_t *used;        /* bucket holds a point */
    uint32_t *stamp;      /* batch number that last touched the bucket */
    PT(jac) *shadow;      /* conflicts, Jacobian */
    uint32_t cur;
    size_t k, cap;        /* pending entries, batch size */
    uint32_t pb[ZK_BATCH];
    PT(aff) pq[ZK_BATCH];
    FE den[ZK_BATCH], scratch[ZK_BATCH];
    uint8_t kind[ZK_BATCH];   /* 0 add, 1 double, 2 cancel */
} PT(abatch);

static void PT(abatch_flush)(PT(abatch) *st) {
    size_t k = st->k;
    for (size_t j = 0; j < k; j++) {
        const PT(aff) *p1 = &st->bk[st->pb[j]], *p2 = &st->pq[j];
        F(sub)(&st->den[j], &p2->x, &p1->x);
        st->kind[j] = 0;
        if (F(is_zero)(&st->den[j])) {
            if (F(eq)(&p1->y, &p2->y) && !F(is_zero)(&p1->y)) {
                st->kind[j] = 1;
                F(dbl)(&st->den[j], &p1->y);          /* lambda = 3 x^2 / 2y */
            } else {
                st->kind[j] = 2;                       /* P + (-P) */
                st->den[j] = F(one);
            }
        }
    }
    F(batch_inv)(st->den, st->den, k, st->scratch);
    for (size_t j = 0; j < k; j++) {
        PT(aff) *p1 = &st->bk[st->pb[j]];
        const PT(aff) *p2 = &st->pq[j];
        if (st->kind[j] == 2) { st->used[st->pb[j]] = 0; memset(p1, 0, sizeof *p1); continue; }
        FE lam, t, x3;
        if (st->kind[j] == 1) {
            F(sqr)(&t, &p1->x);
            F(add)(&lam, &t, &t);
            F(add)(&lam, &lam, &t);
            F(mul)(&lam, &lam, &st->den[j]);
        } else {
            F(sub)(&t, &p2->y, &p1->y);
            F(mul)(&lam, &t, &st->den[j]);
        }
        F(sqr)(&x3, &lam);                 /* x3 = lambda^2 - x1 - x2 */
        F(sub)(&x3, &x3, &p1->x);
        F(sub)(&x3, &x3, &p2->x);
        F(sub)(&t, &p1->x, &x3);           /* y3 = lambda (x1 - x3) - y1 */
        F(mul)(&t, &lam, &t);
        F(sub)(&p1->y, &t, &p1->y);
        p1->x = x3;
    }
    st->k = 0;
    st->cur++;
}

static inline void PT(abatch_add)(PT(abatch) *st, uint32_t b, const PT(aff) *q) {
    if (!st->used[b]) { st->bk[b] = *q; st->used[b] = 1; return; }
    if (st->stamp[b] == st->cur) { PT(jac_add_aff)(&st->shadow[b], &st->shadow[b], q); return; }
    st->stamp[b] = st->cur;
    st->pb[st->k] = b;
    st->pq[st->k++] = *q;
    if (st->k == st->cap) PT(abatch_flush)(st);
}

static void PT(pip_window_task)(void *vctx, size_t t) {
    PT(pip_ctx) *ctx = vctx;
    size_t w = t / ctx->nchunks, chunk = t % ctx->nchunks;
    size_t per = (ctx->m + ctx->nchunks - 1) / ctx->nchunks;
    size_t lo = chunk * per, hi = lo + per < ctx->m ? lo + per : ctx->m;
    size_t nb = (size_t)1 << (ctx->c - 1);
    PT(jac) *res = &ctx->partial[t];
    PT(jac_set_inf)(res);
    PT(abatch) *st = malloc(sizeof *st);
    if (st) {
        st->bk = malloc(nb * sizeof *st->bk);
        st->used = calloc(nb, 1);
        st->stamp = calloc(nb, sizeof *st->stamp);
        st->shadow = calloc(nb, sizeof *st->shadow);   /* all-zero = infinity (Z = 0) */
        st->cur = 1;
        st->k = 0;
        /* One inversion (~380M) per batch of B against ~B/(2 nb) conflicts costing ~5M extra
         * each: 380/B + 5B/(2nb) is least at B = sqrt(152 nb) ~ 12 sqrt(nb). */
        size_t cap = 32;
        while (cap < ZK_BATCH && cap * cap < 152 * nb) cap += 32;
        st->cap = cap;
    }
    if (!st || !st->bk || !st->used || !st->stamp || !st->shadow) {
        if (st) { free(st->bk); free(st->used); free(st->stamp); free(st->shadow); free(st); }
        ctx->failed = 1;
        return;
    }
    const int32_t *dig = ctx->digits + w * ctx->m;
    for (size_t i = lo; i < hi; i++) {
        int32_t d = dig[i];
        if (d == 0) continue;
        const PT(aff) *p = &ctx->pts[ctx->idx[i]];
        if (d > 0) {
            PT(abatch_add)(st, (uint32_t)(d - 1), p);
        } else {
            PT(aff) np;
            PT(aff_neg)(&np, p);
            PT(abatch_add)(st, (uint32_t)(-d - 1), &np);
        }
    }
    PT(abatch_flush)(st);
    /* sum_d d * B_d by running sums: acc = B_top + (B_top + B_top-1) + ... */
    PT(jac) running, acc;
    PT(jac_set_inf)(&running);
    PT(jac_set_inf)(&acc);
    for (size_t b = nb; b-- > 0;) {
        if (st->used[b]) PT(jac_add_aff)(&running, &running, &st->bk[b]);
        PT(jac_add)(&running, &running, &st->shadow[b]);
        PT(jac_add)(&acc, &acc, &running);
    }
    *res = acc;
    free(st->bk); free(st->used); free(st->stamp); free(st->shadow); free(st);
}

/* sum over one class; out = infinity for an empty class. Returns -1 on allocation failure. */
static int PT(pippenger)(PT(pip_ctx) *ctx, int bits, PT(jac) *out) {
    PT(jac_set_inf)(out);
    if (ctx->m == 0) return 0;
    ctx->c = zk_choose_window(ctx->m, bits);
    ctx->nwin = (bits + 1 + ctx->c - 1) / ctx->c;
    int nt = zk_nthreads();
    ctx->nchunks = 1;
    if (nt > 1 && ctx->m >= 1024 && (size_t)ctx->nwin < 2 * (size_t)nt)
        ctx->nchunks = (2 * (size_t)nt + ctx->nwin - 1) / ctx->nwin;
    ctx->digits = malloc(sizeof(int32_t) * ctx->m * ctx->nwin);
    ctx->partial = malloc(sizeof(PT(jac)) * ctx->nwin * ctx->nchunks);
    ctx->failed = 0;
    if (!ctx->digits || !ctx->partial) { free(ctx->digits); free(ctx->partial); return -1; }
    zk_parallel((ctx->m + 4095) / 4096, PT(pip_digits_task), ctx);
    zk_parallel((size_t)ctx->nwin * ctx->nchunks, PT(pip_window_task), ctx);
    int rc = ctx->failed ? -1 : 0;
    /* Horner over windows, top first: out = 2^c * out + W_w. */
    for (int w = ctx->nwin; w-- > 0;) {
        for (int k = 0; k < ctx->c; k++) PT(jac_dbl)(out, out);
        for (size_t ch = 0; ch < ctx->nchunks; ch++)
            PT(jac_add)(out, out, &ctx->partial[(size_t)w * ctx->nchunks + ch]);
    }
    free(ctx->digits);
    free(ctx->partial);
    return rc;
}

typedef struct {
    const PT(aff) *pts;
    const uint32_t *idx;
    const uint8_t *neg;
    size_t m;
    PT(jac) *partial;
} PT(ones_ctx);

#define ZK_ONES_CHUNK 8192

static void PT(ones_task)(void *vctx, size_t t) {
    PT(ones_ctx) *ctx = vctx;
    size_t lo = t * ZK_ONES_CHUNK, hi = lo + ZK_ONES_CHUNK < ctx->m ? lo + ZK_ONES_CHUNK : ctx->m;
    PT(jac) acc;
    PT(jac_set_inf)(&acc);
    for (size_t i = lo; i < hi; i++) {
        const PT(aff) *p = &ctx->pts[ctx->idx[i]];
        if (ctx->neg[i]) {
            PT(aff) np;
            PT(aff_neg)(&np, p);
            PT(jac_add_aff)(&acc, &acc, &np);
        } else {
            PT(jac_add_aff)(&acc, &acc, p);
        }
    }
    ctx->partial[t] = acc;
}

/* Load n points (LEM affine, reduced mod q on the way in). */
static PT(aff) *PT(load_points)(const unsigned char *buf, size_t n) {
    PT(aff) *pts = malloc(n ? n * sizeof *pts : 1);
    if (!pts) return NULL;
    memcpy(pts, buf, n * sizeof *pts);
    for (size_t i = 0; i < n; i++) {
        F(reduce)(&pts[i].x);
        F(reduce)(&pts[i].y);
    }
    return pts;
}

static int PT(msm_core)(const PT(aff) *pts, const unsigned char *scs, size_t n, PT(jac) *total) {
    int rc = -1;
    uint32_t *idx_one = malloc((n ? n : 1) * sizeof(uint32_t));
    uint32_t *idx_small = malloc((n ? n : 1) * sizeof(uint32_t));
    uint32_t *idx_big = malloc((n ? n : 1) * sizeof(uint32_t));
    uint8_t *neg = malloc(n ? 3 * n : 3);
    scalar_t *sc_small = malloc((n ? n : 1) * sizeof(scalar_t));
    scalar_t *sc_big = malloc((n ? n : 1) * sizeof(scalar_t));
    PT(jac) *ones_part = NULL;
    PT(jac_set_inf)(total);
    if (!idx_one || !idx_small || !idx_big || !neg || !sc_small || !sc_big) goto done;
    uint8_t *neg_one = neg, *neg_small = neg + n, *neg_big = neg + 2 * n;
    size_t m1 = 0, ms = 0, mb = 0;
    int small_bits = 1;
    for (size_t i = 0; i < n; i++) {
        if (PT(aff_is_inf)(&pts[i])) continue;
        scalar_t s;
        int sneg;
        zk_load_scalar(&s, scs + 32 * i);
        int cls = zk_classify(&s, &sneg);
        if (cls == 0) continue;
        if (cls == 1) { idx_one[m1] = (uint32_t)i; neg_one[m1++] = (uint8_t)sneg; continue; }
        if (cls == 2) {
            int b = 64 - __builtin_clzll(s.l[0]);
            if (b > small_bits) small_bits = b;
            idx_small[ms] = (uint32_t)i; neg_small[ms] = (uint8_t)sneg; sc_small[ms++] = s;
            continue;
        }
        idx_big[mb] = (uint32_t)i; neg_big[mb] = 0; sc_big[mb++] = s;
    }
    PT(jac) part;
    PT(pip_ctx) ctx = {pts, idx_big, neg_big, sc_big, NULL, mb, 1, 1, 1, NULL, 0};
    if (PT(pippenger)(&ctx, 254, &part)) goto done;
    PT(jac_add)(total, total, &part);
    PT(pip_ctx) ctx2 = {pts, idx_small, neg_small, sc_small, NULL, ms, 1, 1, 1, NULL, 0};
    if (PT(pippenger)(&ctx2, small_bits, &part)) goto done;
    PT(jac_add)(total, total, &part);
    if (m1) {
        size_t nchunk = (m1 + ZK_ONES_CHUNK - 1) / ZK_ONES_CHUNK;
        ones_part = malloc(nchunk * sizeof *ones_part);
        if (!ones_part) goto done;
        PT(ones_ctx) oc = {pts, idx_one, neg_one, m1, ones_part};
        zk_parallel(nchunk, PT(ones_task), &oc);
        for (size_t k = 0; k < nchunk; k++) PT(jac_add)(total, total, &ones_part[k]);
    }
    rc = 0;
done:
    free(idx_one); free(idx_small); free(idx_big); free(neg); free(sc_small); free(sc_big);
    free(ones_part);
    return rc;
}

int PT(msm_run)(const unsigned char *pbuf, const unsigned char *scs, size_t n, PT(aff) *out) {
    PT(aff) *pts = PT(load_points)(pbuf, n);
    if (!pts) return -1;
    PT(jac) total;
    int rc = PT(msm_core)(pts, scs, n, &total);
    free(pts);
    if (rc == 0) PT(jac_to_aff)(out, &total);
    return rc;
}

/* ---- batch multiplication: out_i = s_i * P_i, affine LEM ---- */

typedef struct {
    const unsigned char *pts, *scs;
    unsigned char *out;
    size_t n;
    int failed;
} PT(bm_ctx);

#define ZK_BM_CHUNK 256

static void PT(bm_task)(void *vctx, size_t t) {
    PT(bm_ctx) *ctx = vctx;
    size_t lo = t * ZK_BM_CHUNK, hi = lo + ZK_BM_CHUNK < ctx->n ? lo + ZK_BM_CHUNK : ctx->n;
    size_t k = hi - lo;
    PT(jac) *res = malloc(k * sizeof *res);
    FE *scratch = malloc(2 * k * sizeof *scratch);
    if (!res || !scratch) { free(res); free(scratch); ctx->failed = 1; return; }
    for (size_t i = 0; i < k; i++) {
        PT(aff) p;
        memcpy(&p, ctx->pts + (lo + i) * sizeof p, sizeof p);
        F(reduce)(&p.x);
        F(reduce)(&p.y);
        scalar_t s;
        zk_load_scalar(&s, ctx->scs + 32 * (lo + i));
        /* signed 4-bit windows over a table of P, 2P, ..., 8P (Jacobian) */
        PT(jac) tab[8], acc;
        PT(jac_from_aff)(&tab[0], &p);
        PT(jac_dbl)(&tab[1], &tab[0]);
        for (int j = 2; j < 8; j++) PT(jac_add_aff)(&tab[j], &tab[j - 1], &p);
        int32_t dig[64];
        zk_signed_digits(&s, 4, 64, 0, dig, 1);
        PT(jac_set_inf)(&acc);
        for (int w = 63; w >= 0; w--) {
            for (int d = 0; d < 4; d++) PT(jac_dbl)(&acc, &acc);
            int32_t d = dig[w];
            if (d > 0) {
                PT(jac_add)(&acc, &acc, &tab[d - 1]);
            } else if (d < 0) {
                PT(jac) nt;
                PT(jac_neg)(&nt, &tab[-d - 1]);
                PT(jac_add)(&acc, &acc, &nt);
            }
        }
        res[i] = acc;
    }
    PT(jac_to_aff_batch)((PT(aff) *)(ctx->out + lo * sizeof(PT(aff))), res, k, scratch);
    free(res);
    free(scratch);
}

int PT(batch_mul_run)(const unsigned char *pts, const unsigned char *scs, size_t n, unsigned char *out) {
    PT(bm_ctx) ctx = {pts, scs, out, n, 0};
    zk_parallel((n + ZK_BM_CHUNK - 1) / ZK_BM_CHUNK, PT(bm_task), &ctx);
    return ctx.failed ? -1 : 0;
}
