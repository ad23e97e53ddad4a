/* BN254 fields for the native kernel: F_q (base), F_r (scalar) and F_q2 = F_q[u]/(u^2 + 1).
 *
 * Constants (checked against zkproof.curve.bn254 / zkproof.field.fr by tests/test_native_field.py):
 *   q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
 *   r = 21888242871839275222246405745257275088548364400416034343698204186575808495617
 */
#ifndef ZK_FIELD_H
#define ZK_FIELD_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

/* The hot field operations must inline into the group law: GCC otherwise keeps out-of-line
 * copies of fq_mul and passes every operand through memory (20% of MSM time in a profile). */
#define ZK_INLINE inline __attribute__((always_inline))

/* Add/subtract with carry. On x86-64 the intrinsics become one adc/sbb each; the portable
 * __int128 form compiles to a longer flag-juggling sequence (3x slower measured here). GCC's
 * SLP vectoriser turns the limb selects into xmm shuffles that stall on store forwarding. */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t zk_addc(uint64_t a, uint64_t b, uint64_t *carry) {
    unsigned long long r;
    *carry = _addcarry_u64((unsigned char)*carry, a, b, &r);
    return r;
}
static inline uint64_t zk_subb(uint64_t a, uint64_t b, uint64_t *borrow) {
    unsigned long long r;
    *borrow = _subborrow_u64((unsigned char)*borrow, a, b, &r);
    return r;
}
#pragma GCC optimize("no-tree-slp-vectorize")
#define ZK_HAVE_ADX_ASM 1
/* 1 when the CPU has BMI2 and ADX (checked once at import, see threads.c): field products then
 * use the mulx/adcx/adox code. Tests flip it to compare both paths. */
extern int zk_use_adx;
#else
#define ZK_HAVE_ADX_ASM 0
static inline uint64_t zk_addc(uint64_t a, uint64_t b, uint64_t *carry) {
    u128 t = (u128)a + b + *carry;
    *carry = (uint64_t)(t >> 64);
    return (uint64_t)t;
}
static inline uint64_t zk_subb(uint64_t a, uint64_t b, uint64_t *borrow) {
    u128 t = (u128)a - b - *borrow;
    *borrow = (uint64_t)(t >> 64) & 1;
    return (uint64_t)t;
}
#endif

#define FP(name) fq_##name
#define FP_T fq
#define FP_MOD {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}
#define FP_INV 0x87d20782e4866389ULL
#define FP_R2 {0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}
#define FQ_ONE_LIMBS 0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL
#define FP_ONE {FQ_ONE_LIMBS}
#include "mont_impl.h"

#define FP(name) fr_##name
#define FP_T fr
#define FP_MOD {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}
#define FP_INV 0xc2e1f593efffffffULL
#define FP_R2 {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL}
#define FP_ONE {0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL, 0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL}
#include "mont_impl.h"

/* ---- F_q2: c0 + c1 u with u^2 = -1 (the BN254 twist field; snarkjs/py_ecc order c0, c1) ---- */

typedef struct { fq c0, c1; } fq2;

static inline int fq2_is_zero(const fq2 *a) { return fq_is_zero(&a->c0) && fq_is_zero(&a->c1); }
static inline int fq2_eq(const fq2 *a, const fq2 *b) { return fq_eq(&a->c0, &b->c0) && fq_eq(&a->c1, &b->c1); }
static inline void fq2_reduce(fq2 *a) { fq_reduce(&a->c0); fq_reduce(&a->c1); }

static ZK_INLINE void fq2_add(fq2 *r, const fq2 *a, const fq2 *b) {
    fq_add(&r->c0, &a->c0, &b->c0);
    fq_add(&r->c1, &a->c1, &b->c1);
}

static ZK_INLINE void fq2_sub(fq2 *r, const fq2 *a, const fq2 *b) {
    fq_sub(&r->c0, &a->c0, &b->c0);
    fq_sub(&r->c1, &a->c1, &b->c1);
}

static ZK_INLINE void fq2_neg(fq2 *r, const fq2 *a) { fq_neg(&r->c0, &a->c0); fq_neg(&r->c1, &a->c1); }
static ZK_INLINE void fq2_dbl(fq2 *r, const fq2 *a) { fq2_add(r, a, a); }

/* Karatsuba: (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u. */
static ZK_INLINE void fq2_mul(fq2 *r, const fq2 *a, const fq2 *b) {
    fq v0, v1, s, t;
    fq_mul(&v0, &a->c0, &b->c0);
    fq_mul(&v1, &a->c1, &b->c1);
    fq_add(&s, &a->c0, &a->c1);
    fq_add(&t, &b->c0, &b->c1);
    fq_mul(&s, &s, &t);
    fq_sub(&s, &s, &v0);
    fq_sub(&s, &s, &v1);
    fq_sub(&r->c0, &v0, &v1);
    r->c1 = s;
}

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u. */
static ZK_INLINE void fq2_sqr(fq2 *r, const fq2 *a) {
    fq s, d, m;
    fq_add(&s, &a->c0, &a->c1);
    fq_sub(&d, &a->c0, &a->c1);
    fq_mul(&m, &a->c0, &a->c1);
    fq_mul(&r->c0, &s, &d);
    fq_add(&r->c1, &m, &m);
}

/* 1 / (a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2); the inverse of 0 is 0. */
static inline void fq2_inv(fq2 *r, const fq2 *a) {
    fq t0, t1;
    fq_sqr(&t0, &a->c0);
    fq_sqr(&t1, &a->c1);
    fq_add(&t0, &t0, &t1);
    fq_inv(&t0, &t0);
    fq_mul(&r->c0, &a->c0, &t0);
    fq_mul(&t1, &a->c1, &t0);
    fq_neg(&r->c1, &t1);
}

/* Batch inversion in F_q2 (Montgomery's trick), zero in -> zero out; `scratch` holds n elements. */
static void fq2_batch_inv(fq2 *out, const fq2 *in, size_t n, fq2 *scratch) {
    fq2 acc = {{{FQ_ONE_LIMBS}}, {{0, 0, 0, 0}}};
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!fq2_is_zero(&in[i])) fq2_mul(&acc, &acc, &in[i]);
    }
    fq2 inv;
    fq2_inv(&inv, &acc);
    for (size_t i = n; i-- > 0;) {
        if (fq2_is_zero(&in[i])) { out[i] = in[i]; continue; }
        fq2 v = in[i];
        fq2_mul(&out[i], &inv, &scratch[i]);
        fq2_mul(&inv, &inv, &v);
    }
}

static const fq2 fq2_one = {{{FQ_ONE_LIMBS}}, {{0, 0, 0, 0}}};

#endif
