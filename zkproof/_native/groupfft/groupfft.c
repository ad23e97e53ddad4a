/* zkproof._native.groupfft: the group inverse DFT of ptau "prepare phase2" in C.
 *
 * g1_ifft(buf) / g2_ifft(buf): n = len / 64 (G1) or len / 128 (G2) points in the kernel layout
 * (LEM affine, all-zero = infinity), n a power of two; returns out_i = (1/n) sum_j w_n^{-ij} P_j
 * in the same layout, w_n = 5^((r-1)/n) (zkproof.field.fr.root_of_unity). Byte-identical to
 * zkproof.ceremony.lagrange.group_ifft_python (the reference; tests/test_groupfft.py).
 * The GIL is released and every butterfly stage is split over the kernel's worker threads
 * (ZKPROOF_THREADS, default: online cores).
 *
 * Inputs must be points of the prime-order subgroups (the ptau reader checks G2 membership;
 * G1 has cofactor 1): the GLV endomorphism used for the twiddle multiplications acts as the
 * scalar lambda only there. Coordinates are reduced mod q on load, as the reference does.
 *
 * Reuses the native kernel's headers read-only (field.h, curve.h: Montgomery F_q/F_q2/F_r and
 * the Jacobian group law) and its threads.c (fork-join helper, ADX detection), compiled into
 * this module as a second source.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "threads.h"

#define GF_WBITS 4                    /* signed window width of the twiddle multiplications */
#define GF_NWIN 33                    /* 4-bit windows per GLV half (|k_i| < 2^127, + carry) */
#define GF_DIG (2 * GF_NWIN)          /* digits per scalar: k1 row, then k2 row */
#define GF_BLOCK 32                   /* butterflies per task = points per table inversion */
#define GF_OUT_CHUNK 256              /* output points per batched inversion */
#define GF_MAX_LOG 28                 /* two-adicity of r */

/* 2^28-th root of unity 5^((r-1)/2^28), canonical (zkproof.field.fr.ROOT_OF_UNITY). */
static const fr gf_root_2_28 = {{0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL,
                                 0x00e0a7eb8ef62abcULL, 0x2a3c09f0a58a7e85ULL}};

/* GLV (Gallant-Lambert-Vanstone 2001) for BN254: lambda = a cube root of unity mod r with
 * lambda P = (beta x, y) on G1 (beta = beta1 in F_q) and on G2 (beta = beta2, a different cube
 * root in F_q, applied to both coefficients of x). Checked against py_ecc by
 * tests/test_groupfft.py through the transforms. Short lattice basis v1 = (a1, b1),
 * v2 = (a2, b2) of {(x, y): x + y lambda = 0 mod r}, a1 b2 - a2 b1 = r:
 *   a1 = 147946756881789319000765030803803410728, b1 = -9931322734385697763,
 *   a2 = 9931322734385697763, b2 = 147946756881789319010696353538189108491;
 * g1 = floor(2^256 b2 / r), g2 = floor(-2^256 b1 / r) (Babai rounding by one product). */
static const fq gf_beta1 = {{0x3350c88e13e80b9cULL, 0x7dce557cdb5e56b9ULL, 0x6001b4b8b615564aULL,
                             0x2682e617020217e0ULL}};   /* Montgomery form */
static const fq gf_beta2 = {{0x71930c11d782e155ULL, 0xa6bb947cffbe3323ULL, 0xaa303344d4741444ULL,
                             0x2c3b3f0d26594943ULL}};   /* Montgomery form */
static const uint64_t gf_g1[4] = {0x5398fd0300ff6565ULL, 0x4ccef014a773d2d2ULL, 2, 0};
static const uint64_t gf_g2[4] = {0xd91d232ec7e0b3d7ULL, 2, 0, 0};
#define GF_U128(hi, lo) (((u128)(hi) << 64) | (lo))
#define GF_A1 GF_U128(0x6f4d8248eeb859fcULL, 0x8211bbeb7d4f1128ULL)
#define GF_A2 GF_U128(0, 0x89d3256894d213e3ULL)
#define GF_B1N GF_U128(0, 0x89d3256894d213e3ULL)   /* -b1 */
#define GF_B2 GF_U128(0x6f4d8248eeb859fdULL, 0x0be4e1541221250bULL)

static void g1_gf_phi(g1_aff *r, const g1_aff *p) { *r = *p; fq_mul(&r->x, &p->x, &gf_beta1); }
static void g2_gf_phi(g2_aff *r, const g2_aff *p) {
    *r = *p;
    fq_mul(&r->x.c0, &p->x.c0, &gf_beta2);
    fq_mul(&r->x.c1, &p->x.c1, &gf_beta2);
}

/* round(k g / 2^256) for a canonical k < r and g < 2^192; the result is < 2^128. */
static u128 gf_round_mul(const uint64_t k[4], const uint64_t g[4]) {
    uint64_t t[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            u128 p = (u128)k[i] * g[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)p;
            carry = (uint64_t)(p >> 64);
        }
        t[i + 4] = carry;
    }
    u128 s = (u128)t[3] + (1ULL << 63);   /* + 2^255: round to nearest */
    s = (u128)t[4] + (uint64_t)(s >> 64);
    uint64_t lo = (uint64_t)s;
    s = (u128)t[5] + (uint64_t)(s >> 64);
    return GF_U128((uint64_t)s, lo);
}

/* Signed 4-bit digits (-8, 8] of a signed 128-bit value v, |v| < 2^127, into GF_NWIN slots. */
static void gf_recode(__int128 v, int8_t *dig) {
    int neg = v < 0;
    u128 m = neg ? (u128)0 - (u128)v : (u128)v;
    int carry = 0;
    for (int w = 0; w < GF_NWIN; w++) {
        int raw = (w < 32 ? (int)((m >> (4 * w)) & 15) : 0) + carry;
        carry = raw > 8;
        int d = carry ? raw - 16 : raw;
        dig[w] = (int8_t)(neg ? -d : d);
    }
}

/* k (canonical) = k1 + k2 lambda mod r with |k1|, |k2| < 2^127: c_i is within 1/2 + 1/4 of
 * the exact Babai coefficient (rounding, plus k < 2^254 times the < 1 error of g_i over 2^256),
 * so |k1| <= 3/4 (|a1| + |a2|) and |k2| <= 3/4 (|b1| + |b2|), both < 2^127 (a Python check of
 * this code over 20000 random scalars and all twiddles of n = 2^12 saw at most 127 bits). All
 * arithmetic is mod 2^128: the exact results are small, so the wrapped values are exact in two's
 * complement. */
static void gf_glv_digits(const fr *k, int8_t *dig) {
    u128 c1 = gf_round_mul(k->l, gf_g1), c2 = gf_round_mul(k->l, gf_g2);
    u128 klo = GF_U128(k->l[1], k->l[0]);
    u128 k1 = klo - c1 * GF_A1 - c2 * GF_A2;
    u128 k2 = c1 * GF_B1N - c2 * GF_B2;
    gf_recode((__int128)k1, dig);
    gf_recode((__int128)k2, dig + GF_NWIN);
}

/* dig[k] = digits of w_n^{-k} for k < n/2, then dig[n/2] = digits of n^{-1}. */
static void gf_twiddle_digits(int8_t *dig, size_t n, int logn) {
    fr w, t, c;
    fr_to_mont(&w, &gf_root_2_28);
    for (int i = logn; i < GF_MAX_LOG; i++) fr_sqr(&w, &w);
    fr_inv(&w, &w);
    t = fr_one;
    for (size_t k = 0; k < n / 2; k++) {
        fr_from_mont(&c, &t);
        gf_glv_digits(&c, dig + k * GF_DIG);
        fr_mul(&t, &t, &w);
    }
    fr nn = {{(uint64_t)n, 0, 0, 0}};
    fr_to_mont(&t, &nn);
    fr_inv(&t, &t);
    fr_from_mont(&c, &t);
    gf_glv_digits(&c, dig + (n / 2) * GF_DIG);
}

#define PT(name) g1_##name
#define FE fq
#define F(op) fq_##op
#include "gfft_impl.h"
#undef PT
#undef FE
#undef F

#define PT(name) g2_##name
#define FE fq2
#define F(op) fq2_##op
#include "gfft_impl.h"
#undef PT
#undef FE
#undef F

typedef int (*gf_run_fn)(const unsigned char *, size_t, int, unsigned char *);

static PyObject *gf_ifft(PyObject *arg, size_t psize, gf_run_fn run, const char *name) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    size_t len = (size_t)view.len, n = len / psize;
    int logn = 0;
    while (logn <= GF_MAX_LOG && ((size_t)1 << logn) < n) logn++;
    if (len % psize || n == 0 || ((size_t)1 << logn) != n || logn > GF_MAX_LOG) {
        PyErr_Format(PyExc_ValueError, "%s: buffer length %zu is not a power-of-two number "
                     "(1 .. 2^28) of %zu-byte points", name, len, psize);
        PyBuffer_Release(&view);
        return NULL;
    }
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (!res) { PyBuffer_Release(&view); return NULL; }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(res);
    int rc = 0;
    if (n == 1) {
        memcpy(out, view.buf, len);   /* the reference returns a single point unchanged */
    } else {
        Py_BEGIN_ALLOW_THREADS
        rc = run(view.buf, n, logn, out);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    if (rc) { Py_DECREF(res); return PyErr_NoMemory(); }
    return res;
}

static PyObject *py_g1_ifft(PyObject *self, PyObject *arg) {
    (void)self;
    return gf_ifft(arg, sizeof(g1_aff), g1_gf_run, "g1_ifft");
}

static PyObject *py_g2_ifft(PyObject *self, PyObject *arg) {
    (void)self;
    return gf_ifft(arg, sizeof(g2_aff), g2_gf_run, "g2_ifft");
}

static PyMethodDef gf_methods[] = {
    {"g1_ifft", py_g1_ifft, METH_O,
     "g1_ifft(points: bytes-like) -> bytes: (1/n) sum_j w^{-ij} P_j over n = 2^k G1 points (LEM)"},
    {"g2_ifft", py_g2_ifft, METH_O,
     "g2_ifft(points: bytes-like) -> bytes: the same over G2 points (128-byte LEM)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef gf_module = {
    PyModuleDef_HEAD_INIT, "groupfft",
    "Group inverse DFT (Lagrange basis of ptau prepare phase2), native; see groupfft.c.",
    -1, gf_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_groupfft(void) {
    zk_cpu_init();
    return PyModule_Create(&gf_module);
}
