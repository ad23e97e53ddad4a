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
/* This module links its own copy of threads.c, so the kernel's set_threads does not reach it:
 * zkproof.kernel.set_threads calls both. */
#include "py_threads.h"

#define GF_WNAF 5                     /* width-5 NAF digits: odd, |d| < 16, one per 5+ bits */
#define GF_NWIN 130                   /* digit positions per GLV half (|k_i| < 2^127, + 1) */
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

/* Width-5 NAF of a signed 128-bit value v, |v| < 2^127, into GF_NWIN slots: odd digits in
 * (-16, 16) at least 5 positions apart (Solinas 2000), so on average one addition per 6 bits
 * instead of one per 4 for signed 4-bit windows, over a table of the same size (P, 3P, ..., 15P). */
static void gf_recode(__int128 v, int8_t *dig) {
    int neg = v < 0;
    u128 m = neg ? (u128)0 - (u128)v : (u128)v;
    memset(dig, 0, GF_NWIN);
    for (int w = 0; m && w < GF_NWIN; w++) {
        if (m & 1) {
            int d = (int)(m & 31);
            if (d >= 16) d -= 32;
            m = d > 0 ? m - (u128)d : m + (u128)(-d);
            dig[w] = (int8_t)(neg ? -d : d);
        }
        m >>= 1;
    }
}

/* k (canonical) = k1 + k2 lambda mod r with |k1|, |k2| < 2^127: c_i is within 1/2 + 1/4 of
 * the exact Babai coefficient (rounding, plus k < 2^254 times the < 1 error of g_i over 2^256),
 * so |k1| <= 3/4 (|a1| + |a2|) and |k2| <= 3/4 (|b1| + |b2|), both < 2^127 (a Python check of
 * this code over 20000 random scalars and all twiddles of n = 2^12 saw at most 127 bits). All
 * arithmetic is mod 2^128: the exact results are small, so the wrapped values are exact in two's
 * complement. */
static void gf_glv_split(const fr *k, __int128 *k1, __int128 *k2) {
    u128 c1 = gf_round_mul(k->l, gf_g1), c2 = gf_round_mul(k->l, gf_g2);
    u128 klo = GF_U128(k->l[1], k->l[0]);
    *k1 = (__int128)(klo - c1 * GF_A1 - c2 * GF_A2);
    *k2 = (__int128)(c1 * GF_B1N - c2 * GF_B2);
}

static void gf_glv_digits(const fr *k, int8_t *dig) {
    __int128 k1, k2;
    gf_glv_split(k, &k1, &k2);
    gf_recode(k1, dig);
    gf_recode(k2, dig + GF_NWIN);
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
#include "cer_impl.h"
#undef PT
#undef FE
#undef F

#define PT(name) g1_##name
#define FE fq
#define F(op) fq_##op
#include "cer_impl.h"
#undef PT
#undef FE
#undef F

/* A C-contiguous buffer of whole psize-byte points: *n of them; ValueError naming `name`. */
static int gf_points(PyObject *o, size_t psize, Py_buffer *view, size_t *n, const char *name) {
    if (PyObject_GetBuffer(o, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if ((size_t)view->len % psize) {
        PyErr_Format(PyExc_ValueError, "%s: buffer length %zu is not a multiple of %zu",
                     name, (size_t)view->len, psize);
        PyBuffer_Release(view);
        return -1;
    }
    *n = (size_t)view->len / psize;
    return 0;
}

/* The result of a kernel run: `res`, or MemoryError (and `res` dropped) if the run failed. */
static PyObject *gf_result(PyObject *res, int rc) {
    if (rc) { Py_DECREF(res); return PyErr_NoMemory(); }
    return res;
}

typedef int (*gf_run_fn)(const unsigned char *, size_t, int, int, unsigned char *);

static PyObject *gf_ifft(PyObject *args, size_t psize, gf_run_fn run, const char *name) {
    PyObject *arg;
    int shift = -1;
    if (!PyArg_ParseTuple(args, "O|i", &arg, &shift)) return NULL;
    if (shift > 64) {
        PyErr_Format(PyExc_ValueError, "%s: shift %d > 64", name, shift);
        return NULL;
    }
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
    if (n == 1 && shift < 0) {
        memcpy(out, view.buf, len);   /* the reference returns a single point unchanged */
    } else {
        Py_BEGIN_ALLOW_THREADS
        rc = run(view.buf, n, logn, shift, out);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    return gf_result(res, rc);
}

static PyObject *py_g1_ifft(PyObject *self, PyObject *args) {
    (void)self;
    return gf_ifft(args, sizeof(g1_aff), g1_gf_run, "g1_ifft");
}

static PyObject *py_g2_ifft(PyObject *self, PyObject *args) {
    (void)self;
    return gf_ifft(args, sizeof(g2_aff), g2_gf_run, "g2_ifft");
}

/* ---- ceremony helpers (cer_impl.h, blake2b below) ---- */

/* A canonical scalar from 32 little-endian bytes (must be < r). */
static int cer_scalar(PyObject *o, fr *s, const char *what) {
    Py_buffer v;
    if (PyObject_GetBuffer(o, &v, PyBUF_C_CONTIGUOUS) < 0) return -1;
    int ok = v.len == 32;
    if (ok) {
        memcpy(s->l, v.buf, 32);
        ok = !fr_geq_mod(s);
    }
    PyBuffer_Release(&v);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s: expected 32 little-endian bytes < r", what);
        return -1;
    }
    return 0;
}

typedef int (*cer_geo_fn)(const unsigned char *, size_t, const fr *, const fr *, unsigned char *);

static PyObject *cer_geo(PyObject *args, size_t psize, cer_geo_fn run, const char *name) {
    PyObject *po, *fo, *ro;
    if (!PyArg_ParseTuple(args, "OOO", &po, &fo, &ro)) return NULL;
    fr first, ratio;
    if (cer_scalar(fo, &first, "first") < 0 || cer_scalar(ro, &ratio, "ratio") < 0) return NULL;
    Py_buffer view;
    size_t n;
    if (gf_points(po, psize, &view, &n, name) < 0) return NULL;
    PyObject *res = PyBytes_FromStringAndSize(NULL, view.len);
    if (!res) { PyBuffer_Release(&view); return NULL; }
    int rc = 0;
    Py_BEGIN_ALLOW_THREADS
    rc = run(view.buf, n, &first, &ratio, (unsigned char *)PyBytes_AS_STRING(res));
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return gf_result(res, rc);
}

static PyObject *py_g1_mul_geometric(PyObject *self, PyObject *args) {
    (void)self;
    return cer_geo(args, sizeof(g1_aff), g1_cer_geo_run, "g1_mul_geometric");
}

static PyObject *py_g2_mul_geometric(PyObject *self, PyObject *args) {
    (void)self;
    return cer_geo(args, sizeof(g2_aff), g2_cer_geo_run, "g2_mul_geometric");
}

typedef int (*cer_add_fn)(const unsigned char *, const unsigned char *, size_t, int, unsigned char *);

static PyObject *cer_add(PyObject *args, size_t psize, cer_add_fn run, const char *name) {
    PyObject *ao, *bo;
    int sub = 0;
    if (!PyArg_ParseTuple(args, "OO|p", &ao, &bo, &sub)) return NULL;
    Py_buffer a, b;
    if (PyObject_GetBuffer(ao, &a, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    if (PyObject_GetBuffer(bo, &b, PyBUF_C_CONTIGUOUS) < 0) { PyBuffer_Release(&a); return NULL; }
    PyObject *res = NULL;
    if (a.len != b.len || (size_t)a.len % psize) {
        PyErr_Format(PyExc_ValueError, "%s: buffers of %zd and %zd bytes (equal multiples of %zu "
                     "expected)", name, a.len, b.len, psize);
    } else if ((res = PyBytes_FromStringAndSize(NULL, a.len))) {
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = run(a.buf, b.buf, (size_t)a.len / psize, sub, (unsigned char *)PyBytes_AS_STRING(res));
        Py_END_ALLOW_THREADS
        if (rc) { Py_CLEAR(res); PyErr_NoMemory(); }
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return res;
}

static PyObject *py_g1_add(PyObject *self, PyObject *args) {
    (void)self;
    return cer_add(args, sizeof(g1_aff), g1_cer_add_run, "g1_add");
}

static PyObject *py_g2_add(PyObject *self, PyObject *args) {
    (void)self;
    return cer_add(args, sizeof(g2_aff), g2_cer_add_run, "g2_add");
}

typedef int (*cer_lc_fn)(const unsigned char *, size_t, const uint32_t *, const unsigned char *,
                         const uint64_t *, size_t, unsigned char *);

/* lincomb(bases, idx: u32 per term, scalars: 32 bytes per term, start: u64 per target + 1). */
static PyObject *cer_lc(PyObject *args, size_t psize, cer_lc_fn run, const char *name) {
    PyObject *bo, *io, *so, *to;
    if (!PyArg_ParseTuple(args, "OOOO", &bo, &io, &so, &to)) return NULL;
    Py_buffer b = {0}, ix = {0}, sc = {0}, st = {0};
    PyObject *res = NULL;
    if (PyObject_GetBuffer(bo, &b, PyBUF_C_CONTIGUOUS) < 0) goto out;
    if (PyObject_GetBuffer(io, &ix, PyBUF_C_CONTIGUOUS) < 0) goto out;
    if (PyObject_GetBuffer(so, &sc, PyBUF_C_CONTIGUOUS) < 0) goto out;
    if (PyObject_GetBuffer(to, &st, PyBUF_C_CONTIGUOUS) < 0) goto out;
    size_t nterms = (size_t)ix.len / 4, ntargets = (size_t)st.len / 8;
    const uint64_t *start = st.buf;
    int bad = (size_t)b.len % psize || ix.len % 4 || (size_t)sc.len != 32 * nterms
              || st.len % 8 || ntargets == 0 || start[0] != 0 || start[ntargets - 1] != nterms;
    for (size_t t = 1; !bad && t < ntargets; t++) bad = start[t] < start[t - 1];
    if (bad) {
        PyErr_Format(PyExc_ValueError, "%s: inconsistent buffers (bases %% %zu, 4-byte indices, "
                     "32-byte scalars, nondecreasing 8-byte starts from 0 to the term count)",
                     name, psize);
        goto out;
    }
    ntargets -= 1;
    res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(ntargets * psize));
    if (!res) goto out;
    int rc = 0;
    if (ntargets) {
        Py_BEGIN_ALLOW_THREADS
        rc = run(b.buf, (size_t)b.len / psize, ix.buf, sc.buf, start, ntargets,
                 (unsigned char *)PyBytes_AS_STRING(res));
        Py_END_ALLOW_THREADS
    }
    if (rc == -2) {
        Py_CLEAR(res);
        PyErr_Format(PyExc_ValueError, "%s: a base index is out of range", name);
    } else if (rc) {
        Py_CLEAR(res);
        PyErr_NoMemory();
    }
out:
    if (b.obj) PyBuffer_Release(&b);
    if (ix.obj) PyBuffer_Release(&ix);
    if (sc.obj) PyBuffer_Release(&sc);
    if (st.obj) PyBuffer_Release(&st);
    return res;
}

static PyObject *py_g1_lincomb(PyObject *self, PyObject *args) {
    (void)self;
    return cer_lc(args, sizeof(g1_aff), g1_cer_lc_run, "g1_lincomb");
}

static PyObject *py_g2_lincomb(PyObject *self, PyObject *args) {
    (void)self;
    return cer_lc(args, sizeof(g2_aff), g2_cer_lc_run, "g2_lincomb");
}

/* Canonical F_q element -> 32 big-endian bytes. */
static void cer_be32(unsigned char *o, const fq *c) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) o[8 * i + j] = (unsigned char)(c->l[3 - i] >> (56 - 8 * j));
}

/* x > (q - 1) / 2 for a canonical x: ffjavascript isNegative. */
static int cer_fq_negative(const fq *x) {
    static const fq half = {{0x9e10460b6c3e7ea3ULL, 0xcbc0b548b438e546ULL, 0xdc2822db40c0ac2eULL,
                             0x183227397098d014ULL}};   /* (q - 1) / 2 */
    for (int i = 3; i >= 0; i--)
        if (x->l[i] != half.l[i]) return x->l[i] > half.l[i];
    return 0;
}

/* One LEM point (g2: 4 coordinates) -> its transcript encoding; returns bytes written. */
static size_t cer_encode_one(const unsigned char *in, int g2, int compressed, unsigned char *o) {
    int nc = g2 ? 4 : 2;
    fq c[4];
    int inf = 1;
    for (int i = 0; i < nc; i++) {
        memcpy(c[i].l, in + 32 * i, 32);
        if (!fq_is_zero(&c[i])) inf = 0;
    }
    size_t olen = (size_t)(compressed ? nc / 2 : nc) * 32;
    if (inf) {
        memset(o, 0, olen);
        if (compressed) o[0] = 0x40;
        return olen;
    }
    for (int i = 0; i < nc; i++) {
        fq_reduce(&c[i]);
        fq t = c[i];
        fq_from_mont(&c[i], &t);
    }
    if (!g2) {
        cer_be32(o, &c[0]);
        if (compressed) {
            if (cer_fq_negative(&c[1])) o[0] |= 0x80;
        } else {
            cer_be32(o + 32, &c[1]);
        }
    } else {   /* x = c0 + c1 u, y = c2 + c3 u; snarkjs writes c1 before c0 */
        cer_be32(o, &c[1]);
        cer_be32(o + 32, &c[0]);
        if (compressed) {
            int neg = fq_is_zero(&c[3]) ? cer_fq_negative(&c[2]) : cer_fq_negative(&c[3]);
            if (neg) o[0] |= 0x80;
        } else {
            cer_be32(o + 64, &c[3]);
            cer_be32(o + 96, &c[2]);
        }
    }
    return olen;
}

static PyObject *cer_encode(PyObject *args, int g2, const char *name) {
    PyObject *po;
    int compressed = 0;
    if (!PyArg_ParseTuple(args, "O|p", &po, &compressed)) return NULL;
    size_t psize = g2 ? 128 : 64, osize = compressed ? psize / 2 : psize;
    Py_buffer view;
    size_t n;
    if (gf_points(po, psize, &view, &n, name) < 0) return NULL;
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * osize));
    if (res) {
        const unsigned char *in = view.buf;
        unsigned char *o = (unsigned char *)PyBytes_AS_STRING(res);
        Py_BEGIN_ALLOW_THREADS
        for (size_t i = 0; i < n; i++) cer_encode_one(in + i * psize, g2, compressed, o + i * osize);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    return res;
}

static PyObject *py_g1_encode(PyObject *self, PyObject *args) { (void)self; return cer_encode(args, 0, "g1_encode"); }
static PyObject *py_g2_encode(PyObject *self, PyObject *args) { (void)self; return cer_encode(args, 1, "g2_encode"); }

/* BLAKE2b compression F (RFC 7693 §3.2) over whole 128-byte blocks, none of them final: the
 * bulk of zkproof.ceremony.blake2b_state.Blake2b (snarkjs' partialHash), whose pure-Python
 * _compress is the reference. */
static const uint64_t cer_b2_iv[8] = {
    0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL, 0xA54FF53A5F1D36F1ULL,
    0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL, 0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL};
static const uint8_t cer_b2_sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

static inline uint64_t cer_rotr(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static void cer_b2_compress(uint64_t h[8], const unsigned char *block, u128 t) {
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++) {
        uint64_t w = 0;
        for (int j = 7; j >= 0; j--) w = (w << 8) | block[8 * i + j];
        m[i] = w;
    }
    for (int i = 0; i < 8; i++) { v[i] = h[i]; v[i + 8] = cer_b2_iv[i]; }
    v[12] ^= (uint64_t)t;
    v[13] ^= (uint64_t)(t >> 64);
#define CER_G(a, b, c, d, x, y)                                   \
    do {                                                          \
        v[a] = v[a] + v[b] + (x); v[d] = cer_rotr(v[d] ^ v[a], 32); \
        v[c] = v[c] + v[d];       v[b] = cer_rotr(v[b] ^ v[c], 24); \
        v[a] = v[a] + v[b] + (y); v[d] = cer_rotr(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d];       v[b] = cer_rotr(v[b] ^ v[c], 63); \
    } while (0)
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = cer_b2_sigma[r % 10];
        CER_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        CER_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        CER_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        CER_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        CER_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        CER_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        CER_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        CER_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
#undef CER_G
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/* blake2b_blocks(h: 64 bytes (8 LE u64), data: k*128 bytes, length: bytes hashed before data)
 * -> the new 64-byte h after compressing the k blocks with counters length+128, +256, ... */
static PyObject *py_blake2b_blocks(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer hb, db;
    unsigned long long length;
    if (!PyArg_ParseTuple(args, "y*y*K", &hb, &db, &length)) return NULL;
    PyObject *res = NULL;
    if (hb.len != 64 || db.len % 128) {
        PyErr_SetString(PyExc_ValueError, "blake2b_blocks: h must be 64 bytes, data whole blocks");
    } else {
        uint64_t h[8];
        memcpy(h, hb.buf, 64);   /* x86-64 and the file layout are both little endian */
        const unsigned char *d = db.buf;
        u128 t = length;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t off = 0; off < db.len; off += 128) {
            t += 128;
            cer_b2_compress(h, d + off, t);
        }
        Py_END_ALLOW_THREADS
        res = PyBytes_FromStringAndSize((const char *)h, 64);
    }
    PyBuffer_Release(&hb);
    PyBuffer_Release(&db);
    return res;
}

static PyMethodDef gf_methods[] = {
    {"g1_ifft", py_g1_ifft, METH_VARARGS,
     "g1_ifft(points, shift=-1) -> bytes: (1/n) sum_j w^{-ij} P_j over n = 2^k G1 points (LEM); "
     "shift >= 0: 2^shift sum_j w^{-ij} P_j instead"},
    {"g2_ifft", py_g2_ifft, METH_VARARGS,
     "g2_ifft(points, shift=-1) -> bytes: the same over G2 points (128-byte LEM)"},
    {"g1_mul_geometric", py_g1_mul_geometric, METH_VARARGS,
     "g1_mul_geometric(points, first, ratio) -> bytes: [first ratio^i P_i] (LEM; scalars 32 LE bytes)"},
    {"g2_mul_geometric", py_g2_mul_geometric, METH_VARARGS,
     "g2_mul_geometric(points, first, ratio) -> bytes: the same in G2"},
    {"g1_add", py_g1_add, METH_VARARGS, "g1_add(a, b, sub=False) -> bytes: [a_i + b_i] or [a_i - b_i]"},
    {"g2_add", py_g2_add, METH_VARARGS, "g2_add(a, b, sub=False) -> bytes: the same in G2"},
    {"g1_lincomb", py_g1_lincomb, METH_VARARGS,
     "g1_lincomb(bases, idx, scalars, start) -> bytes: out_t = sum_{start[t] <= j < start[t+1]} "
     "s_j bases[idx_j] (u32 indices, 32-byte LE scalars, u64 starts)"},
    {"g2_lincomb", py_g2_lincomb, METH_VARARGS, "g2_lincomb(...) -> bytes: the same in G2"},
    {"g1_encode", py_g1_encode, METH_VARARGS,
     "g1_encode(points, compressed=False) -> bytes: snarkjs transcript encoding (LEMtoU / LEMtoC)"},
    {"g2_encode", py_g2_encode, METH_VARARGS, "g2_encode(points, compressed=False) -> bytes"},
    {"blake2b_blocks", py_blake2b_blocks, METH_VARARGS,
     "blake2b_blocks(h, data, length) -> h: BLAKE2b compression of whole non-final blocks"},
    {"threads", zk_py_threads, METH_NOARGS, "threads() -> worker threads of this module"},
    {"set_threads", zk_py_set_threads, METH_O, "set_threads(n) -> n; 0 = back to the default"},
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
