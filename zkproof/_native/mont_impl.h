/* Montgomery arithmetic on 4 x 64-bit limbs, instantiated once per prime (see field.h).
 *
 * Before including: define FP(name) (function prefix), FP_T (element type name) and the
 * constants FP_MOD (limbs of the prime, little endian), FP_INV (-p^-1 mod 2^64), FP_R2
 * (2^512 mod p) and FP_ONE (2^256 mod p). Elements are kept fully reduced (< p) in Montgomery
 * form a*2^256 mod p, the layout ffjavascript calls LEM. Both BN254 primes are < 2^254, so sums
 * of two reduced elements never overflow 256 bits.
 */

typedef struct { uint64_t l[4]; } FP_T;

static const FP_T FP(mod) = {FP_MOD};
static const FP_T FP(r2) = {FP_R2};
static const FP_T FP(one) = {FP_ONE};

static ZK_INLINE int FP(is_zero)(const FP_T *a) {
    return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0;
}

static ZK_INLINE int FP(eq)(const FP_T *a, const FP_T *b) {
    return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) | (a->l[2] ^ b->l[2]) | (a->l[3] ^ b->l[3])) == 0;
}

/* a >= p (compare as 256-bit integers). */
static ZK_INLINE int FP(geq_mod)(const FP_T *a) {
    for (int i = 3; i >= 0; i--) {
        if (a->l[i] != FP(mod).l[i]) return a->l[i] > FP(mod).l[i];
    }
    return 1;
}

/* r = a - p without a check; returns the borrow. */
static ZK_INLINE uint64_t FP(sub_mod_raw)(FP_T *r, const FP_T *a) {
    uint64_t bo = 0;
    for (int i = 0; i < 4; i++) r->l[i] = zk_subb(a->l[i], FP(mod).l[i], &bo);
    return bo;
}

/* Reduce any 256-bit value below p (at most 5 subtractions since p > 2^253). */
static ZK_INLINE void FP(reduce)(FP_T *a) {
    while (FP(geq_mod)(a)) FP(sub_mod_raw)(a, a);
}

/* Branch-free select: r = mask ? a : b (mask all ones or zero). Data-dependent branches on
 * the final subtraction mispredict half the time, so every reduction below uses masks. */
static ZK_INLINE void FP(select)(FP_T *r, uint64_t mask, const FP_T *a, const FP_T *b) {
    for (int i = 0; i < 4; i++) r->l[i] = (a->l[i] & mask) | (b->l[i] & ~mask);
}

static ZK_INLINE void FP(add)(FP_T *r, const FP_T *a, const FP_T *b) {
    FP_T t, s;
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) t.l[i] = zk_addc(a->l[i], b->l[i], &c);
    uint64_t borrow = FP(sub_mod_raw)(&s, &t);
    FP(select)(r, (uint64_t)0 - borrow, &t, &s);
}

static ZK_INLINE void FP(sub)(FP_T *r, const FP_T *a, const FP_T *b) {
    FP_T t;
    uint64_t bo = 0, c = 0;
    for (int i = 0; i < 4; i++) t.l[i] = zk_subb(a->l[i], b->l[i], &bo);
    uint64_t mask = (uint64_t)0 - bo;
    for (int i = 0; i < 4; i++) r->l[i] = zk_addc(t.l[i], FP(mod).l[i] & mask, &c);
}

static ZK_INLINE void FP(neg)(FP_T *r, const FP_T *a) {
    if (FP(is_zero)(a)) { *r = *a; return; }
    FP_T z = {{0, 0, 0, 0}};
    FP(sub)(r, &z, a);
}

static ZK_INLINE void FP(dbl)(FP_T *r, const FP_T *a) { FP(add)(r, a, a); }

/* Montgomery product a*b*2^-256 mod p: CIOS (Koc, Acar, Kaliski 1996). Per limb b_i, the four
 * products a_j b_i (and then m p_j) are independent and are folded in by two add-with-carry
 * chains (low halves, high halves), which keeps the multiplier busy; ~20% faster here than the
 * textbook single chain. Since p < 2^254 the running value stays below 2p and five words
 * suffice. Inputs < p, output < p; r may alias a or b. */
#if ZK_HAVE_ADX_ASM
static const uint64_t FP(inv_c) = FP_INV;

/* The same CIOS product with BMI2/ADX (mulx and the two independent carry chains adcx/adox),
 * as in gnark-crypto's generated amd64 code; about half the instructions of the C version
 * (which must route every product through rax:rdx). Used when the CPU has both extensions
 * (zk_use_adx, set once at import); the C version stays the portable path and the oracle. */
static ZK_INLINE void FP(mul_adx)(FP_T *r, const FP_T *a, const FP_T *b) {
    uint64_t t0, t1, t2, t3, hi, tmp, rax, rdx;
#define ZK_DIV_SHIFT                                                                          \
    "movq %[qinv], %%rdx\n\t"                                                                 \
    "imulq %[t0], %%rdx\n\t"                                                                  \
    "xorl %%eax, %%eax\n\t"                                                                   \
    "mulxq %[q0], %%rax, %[tmp]\n\t"                                                          \
    "adcxq %[t0], %%rax\n\t"                                                                  \
    "movq %[tmp], %[t0]\n\t"                                                                  \
    "adcxq %[t1], %[t0]\n\t"                                                                  \
    "mulxq %[q1], %%rax, %[t1]\n\t"                                                           \
    "adoxq %%rax, %[t0]\n\t"                                                                  \
    "adcxq %[t2], %[t1]\n\t"                                                                  \
    "mulxq %[q2], %%rax, %[t2]\n\t"                                                           \
    "adoxq %%rax, %[t1]\n\t"                                                                  \
    "adcxq %[t3], %[t2]\n\t"                                                                  \
    "mulxq %[q3], %%rax, %[t3]\n\t"                                                           \
    "adoxq %%rax, %[t2]\n\t"                                                                  \
    "movl $0, %%eax\n\t"                                                                      \
    "adcxq %%rax, %[t3]\n\t"                                                                  \
    "adoxq %[hi], %[t3]\n\t"
#define ZK_MUL_WORD(OFF)                                                                      \
    "xorl %%eax, %%eax\n\t"                                                                   \
    "movq " #OFF "(%[b]), %%rdx\n\t"                                                          \
    "mulxq 0(%[a]), %%rax, %[hi]\n\t"                                                         \
    "adoxq %%rax, %[t0]\n\t"                                                                  \
    "mulxq 8(%[a]), %%rax, %[tmp]\n\t"                                                        \
    "adcxq %[hi], %[t1]\n\t"                                                                  \
    "adoxq %%rax, %[t1]\n\t"                                                                  \
    "mulxq 16(%[a]), %%rax, %[hi]\n\t"                                                        \
    "adcxq %[tmp], %[t2]\n\t"                                                                 \
    "adoxq %%rax, %[t2]\n\t"                                                                  \
    "mulxq 24(%[a]), %%rax, %[tmp]\n\t"                                                       \
    "adcxq %[hi], %[t3]\n\t"                                                                  \
    "adoxq %%rax, %[t3]\n\t"                                                                  \
    "movl $0, %%eax\n\t"                                                                      \
    "adcxq %%rax, %[tmp]\n\t"                                                                 \
    "adoxq %%rax, %[tmp]\n\t"                                                                 \
    "movq %[tmp], %[hi]\n\t"
    __asm__(
        /* word 0: t = a * b0 */
        "xorl %%eax, %%eax\n\t"
        "movq 0(%[b]), %%rdx\n\t"
        "mulxq 0(%[a]), %[t0], %[t1]\n\t"
        "mulxq 8(%[a]), %%rax, %[t2]\n\t"
        "adoxq %%rax, %[t1]\n\t"
        "mulxq 16(%[a]), %%rax, %[t3]\n\t"
        "adoxq %%rax, %[t2]\n\t"
        "mulxq 24(%[a]), %%rax, %[hi]\n\t"
        "adoxq %%rax, %[t3]\n\t"
        "movl $0, %%eax\n\t"
        "adoxq %%rax, %[hi]\n\t"
        ZK_DIV_SHIFT
        ZK_MUL_WORD(8) ZK_DIV_SHIFT
        ZK_MUL_WORD(16) ZK_DIV_SHIFT
        ZK_MUL_WORD(24) ZK_DIV_SHIFT
        : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [hi] "=&r"(hi),
          [tmp] "=&r"(tmp), "=&a"(rax), "=&d"(rdx)
        : [a] "r"(a->l), [b] "r"(b->l), "m"(*(const uint64_t(*)[4])a->l),
          "m"(*(const uint64_t(*)[4])b->l), [q0] "m"(FP(mod).l[0]), [q1] "m"(FP(mod).l[1]),
          [q2] "m"(FP(mod).l[2]), [q3] "m"(FP(mod).l[3]), [qinv] "m"(FP(inv_c))
        : "cc");
#undef ZK_DIV_SHIFT
#undef ZK_MUL_WORD
    (void)rax; (void)rdx;
    FP_T tt = {{t0, t1, t2, t3}}, s;
    uint64_t borrow = FP(sub_mod_raw)(&s, &tt);
    FP(select)(r, (uint64_t)0 - borrow, &tt, &s);
}
#endif

static ZK_INLINE void FP(mul)(FP_T *r, const FP_T *a, const FP_T *b) {
#if ZK_HAVE_ADX_ASM
    if (zk_use_adx) { FP(mul_adx)(r, a, b); return; }
#endif
    const uint64_t *p = FP(mod).l;
    const uint64_t a0 = a->l[0], a1 = a->l[1], a2 = a->l[2], a3 = a->l[3];
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t bi = b->l[i], c = 0;
        u128 q0 = (u128)a0 * bi, q1 = (u128)a1 * bi, q2 = (u128)a2 * bi, q3 = (u128)a3 * bi;
        t0 = zk_addc(t0, (uint64_t)q0, &c);
        t1 = zk_addc(t1, (uint64_t)q1, &c);
        t2 = zk_addc(t2, (uint64_t)q2, &c);
        t3 = zk_addc(t3, (uint64_t)q3, &c);
        t4 = c;
        c = 0;
        t1 = zk_addc(t1, (uint64_t)(q0 >> 64), &c);
        t2 = zk_addc(t2, (uint64_t)(q1 >> 64), &c);
        t3 = zk_addc(t3, (uint64_t)(q2 >> 64), &c);
        t4 = zk_addc(t4, (uint64_t)(q3 >> 64), &c);
        uint64_t m = t0 * FP_INV;   /* makes t + m p divisible by 2^64 */
        u128 r0 = (u128)m * p[0], r1 = (u128)m * p[1], r2 = (u128)m * p[2], r3 = (u128)m * p[3];
        c = 0;
        t0 = zk_addc(t0, (uint64_t)r0, &c);   /* becomes 0 */
        t1 = zk_addc(t1, (uint64_t)r1, &c);
        t2 = zk_addc(t2, (uint64_t)r2, &c);
        t3 = zk_addc(t3, (uint64_t)r3, &c);
        t4 = zk_addc(t4, 0, &c);
        c = 0;
        t0 = zk_addc(t1, (uint64_t)(r0 >> 64), &c);
        t1 = zk_addc(t2, (uint64_t)(r1 >> 64), &c);
        t2 = zk_addc(t3, (uint64_t)(r2 >> 64), &c);
        t3 = zk_addc(t4, (uint64_t)(r3 >> 64), &c);
    }
    FP_T tt = {{t0, t1, t2, t3}}, s;
    uint64_t borrow = FP(sub_mod_raw)(&s, &tt);
    FP(select)(r, (uint64_t)0 - borrow, &tt, &s);
}

static ZK_INLINE void FP(sqr)(FP_T *r, const FP_T *a) { FP(mul)(r, a, a); }

/* Canonical integer (any 256-bit value) -> Montgomery form. */
static ZK_INLINE void FP(to_mont)(FP_T *r, const FP_T *a) {
    FP_T t = *a;
    FP(reduce)(&t);
    FP(mul)(r, &t, &FP(r2));
}

/* Montgomery form -> canonical integer. */
static ZK_INLINE void FP(from_mont)(FP_T *r, const FP_T *a) {
    FP_T one = {{1, 0, 0, 0}};
    FP(mul)(r, a, &one);
}

/* a^e for a 256-bit exponent e (plain integer limbs), square-and-multiply. */
static void FP(pow)(FP_T *r, const FP_T *a, const uint64_t e[4]) {
    FP_T acc = FP(one);
    for (int i = 255; i >= 0; i--) {
        FP(sqr)(&acc, &acc);
        if ((e[i >> 6] >> (i & 63)) & 1) FP(mul)(&acc, &acc, a);
    }
    *r = acc;
}

/* a^-1 = a^(p-2) (Fermat); the inverse of 0 is returned as 0 (callers check). */
static void FP(inv)(FP_T *r, const FP_T *a) {
    uint64_t e[4] = {FP(mod).l[0] - 2, FP(mod).l[1], FP(mod).l[2], FP(mod).l[3]};
    FP(pow)(r, a, e);
}

/* out[i] = in[i]^-1 for all i with one inversion (Montgomery's trick). Zero inputs give zero
 * outputs and do not spoil the others. `scratch` holds n elements. in and out may alias. */
static void FP(batch_inv)(FP_T *out, const FP_T *in, size_t n, FP_T *scratch) {
    FP_T acc = FP(one);
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!FP(is_zero)(&in[i])) FP(mul)(&acc, &acc, &in[i]);
    }
    FP_T inv;
    FP(inv)(&inv, &acc);
    for (size_t i = n; i-- > 0;) {
        if (FP(is_zero)(&in[i])) { out[i] = in[i]; continue; }
        FP_T v = in[i];
        FP(mul)(&out[i], &inv, &scratch[i]);
        FP(mul)(&inv, &inv, &v);
    }
}

#undef FP
#undef FP_T
#undef FP_MOD
#undef FP_INV
#undef FP_R2
#undef FP_ONE
