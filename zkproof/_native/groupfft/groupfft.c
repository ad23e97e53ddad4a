/* zkproof._native.groupfft: the group inverse DFT of ptau "prepare phase2" in C.
 *
 * g1_ifft(buf) / g2_ifft(buf): n = len / 64 (G1) or len / 128 (G2) points in the kernel layout
 * (LEM affine, all-zero = infinity), n a power of two; returns out_i = (1/n) sum_j w_n^{-ij} P_j
 * in the same layout, w_n = 5^((r-1)/n) (zkproof.field.fr.root_of_unity). Byte-identical to
 * zkproof.ceremony.lagrange.group_ifft's Python path (the reference; tests/test_groupfft.py).
 * The GIL is released and every butterfly stage is split over the kernel's worker threads
 * (ZKPROOF_THREADS, default: online cores).
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
#define GF_NWIN 64                    /* 4-bit windows covering 256 bits (r < 2^254: no carry out) */
#define GF_CHUNK 32                   /* butterflies per task */
#define GF_OUT_CHUNK 256              /* output points per batched inversion */
#define GF_MAX_LOG 28                 /* two-adicity of r */

/* 2^28-th root of unity 5^((r-1)/2^28), canonical (zkproof.field.fr.ROOT_OF_UNITY). */
static const fr gf_root_2_28 = {{0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL,
                                 0x00e0a7eb8ef62abcULL, 0x2a3c09f0a58a7e85ULL}};

/* Signed 4-bit digits d_w in (-8, 8] with s = sum d_w 16^w (s canonical, < r < 2^254). */
static void gf_recode(const fr *s, int8_t *dig) {
    int carry = 0;
    for (int w = 0; w < GF_NWIN; w++) {
        int raw = (int)((s->l[w / 16] >> (4 * (w % 16))) & 15) + carry;
        carry = raw > 8;
        dig[w] = (int8_t)(carry ? raw - 16 : raw);
    }
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
        gf_recode(&c, dig + k * GF_NWIN);
        fr_mul(&t, &t, &w);
    }
    fr nn = {{(uint64_t)n, 0, 0, 0}};
    fr_to_mont(&t, &nn);
    fr_inv(&t, &t);
    fr_from_mont(&c, &t);
    gf_recode(&c, dig + (n / 2) * GF_NWIN);
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
