/* Python binding of the native kernel: zkproof._native.kernel.
 *
 * Same functions, arguments and results as zkproof.kernel.python_backend (the reference):
 * g1_msm, g2_msm, g1_batch_mul, g2_batch_mul, fr_ntt; Poseidon (poseidon_params, poseidon_many,
 * poseidon_permute: the permutation of zkproof.hash.poseidon); plus threads()/set_threads(n) and the
 * test hook _field_op. Buffers are any C-contiguous bytes-like objects; lengths are validated
 * (ValueError). The GIL is released while the C code runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "curve.h"
#include "ntt.h"
#include "poseidon.h"
#include "threads.h"
#include "py_threads.h"
#include "witness.h"

static PyObject *R_INT;   /* the scalar field order as a Python int */

typedef struct {
    Py_buffer view;
    int held;
} buf_t;

static int get_buf(PyObject *obj, buf_t *b, const char *what, size_t unit) {
    if (PyObject_GetBuffer(obj, &b->view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    b->held = 1;
    if ((size_t)b->view.len % unit) {
        PyErr_Format(PyExc_ValueError, "%s: buffer length %zd is not a multiple of %zu",
                     what, b->view.len, unit);
        return -1;
    }
    return 0;
}

static void release(buf_t *b) {
    if (b->held) PyBuffer_Release(&b->view);
    b->held = 0;
}

/* Canonical little-endian limbs -> Python int. */
static PyObject *int_from_limbs(const uint64_t l[4]) {
    char hex[65];
    snprintf(hex, sizeof hex, "%016llx%016llx%016llx%016llx", (unsigned long long)l[3],
             (unsigned long long)l[2], (unsigned long long)l[1], (unsigned long long)l[0]);
    return PyLong_FromString(hex, NULL, 16);
}

static PyObject *fq_to_int(const fq *a) {
    fq c;
    fq_from_mont(&c, a);
    return int_from_limbs(c.l);
}

/* Python int (any sign/size) -> canonical limbs of its residue mod r. */
static int int_to_fr(PyObject *v, uint64_t out[4]) {
    PyObject *red = PyNumber_Remainder(v, R_INT);
    if (!red) return -1;
    PyObject *b = PyObject_CallMethod(red, "to_bytes", "is", 32, "little");
    Py_DECREF(red);
    if (!b) return -1;
    memcpy(out, PyBytes_AS_STRING(b), 32);
    Py_DECREF(b);
    return 0;
}

static int pair_args(PyObject *args, buf_t *p, buf_t *s, size_t psize, size_t *n) {
    PyObject *po, *so;
    if (!PyArg_ParseTuple(args, "OO", &po, &so)) return -1;
    if (get_buf(po, p, "points", psize) < 0) return -1;
    if (get_buf(so, s, "scalars", 32) < 0) return -1;
    *n = (size_t)p->view.len / psize;
    if ((size_t)s->view.len / 32 != *n) {
        PyErr_Format(PyExc_ValueError, "points and scalars differ in length (%zu points, %zd scalars)",
                     *n, s->view.len / 32);
        return -1;
    }
    if (*n > 0xffffffffULL) {
        PyErr_SetString(PyExc_ValueError, "more than 2^32 points");
        return -1;
    }
    return 0;
}

static PyObject *py_g1_msm(PyObject *self, PyObject *args) {
    buf_t p = {0}, s = {0};
    size_t n;
    if (pair_args(args, &p, &s, 64, &n) < 0) { release(&p); release(&s); return NULL; }
    g1_aff out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = g1_msm_run(p.view.buf, s.view.buf, n, &out);
    Py_END_ALLOW_THREADS
    release(&p); release(&s);
    if (rc) return PyErr_NoMemory();
    if (g1_aff_is_inf(&out)) Py_RETURN_NONE;
    PyObject *x = fq_to_int(&out.x), *y = fq_to_int(&out.y);
    if (!x || !y) { Py_XDECREF(x); Py_XDECREF(y); return NULL; }
    return Py_BuildValue("(NN)", x, y);
}

static PyObject *py_g2_msm(PyObject *self, PyObject *args) {
    buf_t p = {0}, s = {0};
    size_t n;
    if (pair_args(args, &p, &s, 128, &n) < 0) { release(&p); release(&s); return NULL; }
    g2_aff out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = g2_msm_run(p.view.buf, s.view.buf, n, &out);
    Py_END_ALLOW_THREADS
    release(&p); release(&s);
    if (rc) return PyErr_NoMemory();
    if (g2_aff_is_inf(&out)) Py_RETURN_NONE;
    PyObject *x0 = fq_to_int(&out.x.c0), *x1 = fq_to_int(&out.x.c1);
    PyObject *y0 = fq_to_int(&out.y.c0), *y1 = fq_to_int(&out.y.c1);
    if (!x0 || !x1 || !y0 || !y1) {
        Py_XDECREF(x0); Py_XDECREF(x1); Py_XDECREF(y0); Py_XDECREF(y1);
        return NULL;
    }
    return Py_BuildValue("((NN)(NN))", x0, x1, y0, y1);
}

static PyObject *batch_mul(PyObject *args, size_t psize,
                           int (*fn)(const unsigned char *, const unsigned char *, size_t, unsigned char *)) {
    buf_t p = {0}, s = {0};
    size_t n;
    if (pair_args(args, &p, &s, psize, &n) < 0) { release(&p); release(&s); return NULL; }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * psize));
    if (!out) { release(&p); release(&s); return NULL; }
    unsigned char *ob = (unsigned char *)PyBytes_AS_STRING(out);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = fn(p.view.buf, s.view.buf, n, ob);
    Py_END_ALLOW_THREADS
    release(&p); release(&s);
    if (rc) { Py_DECREF(out); return PyErr_NoMemory(); }
    return out;
}

static PyObject *py_g1_batch_mul(PyObject *self, PyObject *args) { return batch_mul(args, 64, g1_batch_mul_run); }
static PyObject *py_g2_batch_mul(PyObject *self, PyObject *args) { return batch_mul(args, 128, g2_batch_mul_run); }

static PyObject *py_fr_ntt(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"values", "inverse", "shift", NULL};
    PyObject *vo, *shift_o = NULL;
    int inverse = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|pO", kwlist, &vo, &inverse, &shift_o)) return NULL;
    uint64_t sh[4] = {1, 0, 0, 0};
    if (shift_o && int_to_fr(shift_o, sh) < 0) return NULL;
    buf_t v = {0};
    if (get_buf(vo, &v, "values", 32) < 0) { release(&v); return NULL; }
    size_t n = (size_t)v.view.len / 32;
    if (n == 0 || (n & (n - 1)) || n > (1ULL << 28)) {
        release(&v);
        return PyErr_Format(PyExc_ValueError, "domain size must be a power of two <= 2^28, got %zu", n);
    }
    fr shift = {{sh[0], sh[1], sh[2], sh[3]}}, shift_m;
    if (inverse && fr_is_zero(&shift)) {
        release(&v);
        return PyErr_Format(PyExc_ValueError, "coset shift 0 is not invertible");
    }
    int trivial = (sh[0] == 1 && !(sh[1] | sh[2] | sh[3]));
    if (n == 1 && !inverse && trivial) {   /* the reference returns its input untouched here */
        PyObject *r = PyBytes_FromStringAndSize(v.view.buf, 32);
        release(&v);
        return r;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 32));
    fr *a = malloc(n * sizeof *a);
    if (!out || !a) { Py_XDECREF(out); free(a); release(&v); return PyErr_NoMemory(); }
    Py_BEGIN_ALLOW_THREADS
    const unsigned char *in = v.view.buf;
    for (size_t i = 0; i < n; i++) {
        fr t;
        memcpy(t.l, in + 32 * i, 32);
        fr_to_mont(&a[i], &t);
    }
    fr_to_mont(&shift_m, &shift);
    zk_fr_ntt_mont(a, n, inverse, &shift_m);
    unsigned char *ob = (unsigned char *)PyBytes_AS_STRING(out);
    for (size_t i = 0; i < n; i++) {
        fr t;
        fr_from_mont(&t, &a[i]);
        memcpy(ob + 32 * i, t.l, 32);
    }
    Py_END_ALLOW_THREADS
    free(a);
    release(&v);
    return out;
}

static void fq_to_mont_any(fq *x) { fq t = *x; fq_to_mont(x, &t); }
static void fq_from_mont_any(fq *x) { fq t = *x; fq_from_mont(x, &t); }
static void fr_to_mont_any(fr *x) { fr t = *x; fr_to_mont(x, &t); }
static void fr_from_mont_any(fr *x) { fr t = *x; fr_from_mont(x, &t); }
static void fq2_to_mont_any(fq2 *x) { fq_to_mont_any(&x->c0); fq_to_mont_any(&x->c1); }
static void fq2_from_mont_any(fq2 *x) { fq_from_mont_any(&x->c0); fq_from_mont_any(&x->c1); }

/* The (coeffs, witness) pair of h_evaluations and r1cs_first_unsatisfied: both buffers held and
 * the section-4-style body checked (`matrices` matrices, rows below `rows`, signals below the
 * witness length). 0 on success; -1 with a ValueError set and both buffers released. */
static int get_coeffs(PyObject *co, PyObject *wo, uint32_t matrices, size_t rows, buf_t *c, buf_t *w,
                      size_t *count) {
    if (get_buf(co, c, "coeffs", 1) < 0 || get_buf(wo, w, "witness", 1) < 0) {
        release(c); release(w);
        return -1;
    }
    uint32_t bad[3];
    long chk = zk_coeffs_check(c->view.buf, (size_t)c->view.len, matrices, (size_t)w->view.len / 32,
                               rows, count, bad);
    if (chk == -1) return 0;
    if (chk == -2)
        PyErr_Format(PyExc_ValueError, "coefficient buffer holds %zd bytes, expected %zu",
                     c->view.len, 4 + *count * 44);
    else
        PyErr_Format(PyExc_ValueError, "coefficient (matrix %u, row %u, signal %u) out of range",
                     bad[0], bad[1], bad[2]);
    release(c); release(w);
    return -1;
}

static PyObject *py_h_evaluations(PyObject *self, PyObject *args) {
    PyObject *co, *wo;
    Py_ssize_t domain;
    if (!PyArg_ParseTuple(args, "OOn", &co, &wo, &domain)) return NULL;
    buf_t c = {0}, w = {0};
    size_t n = (size_t)(domain > 0 ? domain : 0), count = 0;
    if (get_coeffs(co, wo, 2, n, &c, &w, &count) < 0) return NULL;
    PyObject *out = NULL;
    if (n == 0 || (n & (n - 1)) || n >= (1ULL << 28)) {
        PyErr_Format(PyExc_ValueError, "domain size must be a power of two < 2^28, got %zd", domain);
    } else if ((out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * n)))) {
        int rc;
        unsigned char *ob = (unsigned char *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        rc = zk_h_evaluations(c.view.buf, count, w.view.buf, n, ob);
        Py_END_ALLOW_THREADS
        if (rc) { Py_CLEAR(out); PyErr_NoMemory(); }
    }
    release(&c); release(&w);
    return out;
}

static PyObject *py_r1cs_first_unsatisfied(PyObject *self, PyObject *args) {
    PyObject *co, *wo;
    Py_ssize_t rows;
    if (!PyArg_ParseTuple(args, "OOn", &co, &wo, &rows)) return NULL;
    /* Row indices are u32 (section-4 layout): more rows than 2^32 is a caller bug, and an
     * unbounded rows would overflow 3 * rows in the allocation (witness.c). */
    if (rows < 0 || (unsigned long long)rows > 0x100000000ULL)
        return PyErr_Format(PyExc_ValueError, "rows must be in 0..2^32, got %zd", rows);
    buf_t c = {0}, w = {0};
    size_t n = (size_t)rows, count = 0;
    if (get_coeffs(co, wo, 3, n, &c, &w, &count) < 0) return NULL;
    long first;
    Py_BEGIN_ALLOW_THREADS
    first = zk_r1cs_first_unsatisfied(c.view.buf, count, w.view.buf, n);
    Py_END_ALLOW_THREADS
    release(&c); release(&w);
    if (first == -2) return PyErr_NoMemory();
    return PyLong_FromLong(first);
}

/* ---- Poseidon (poseidon.c): constants in a capsule, one per width, made by poseidon_params ---- */

static const char POSEIDON_CAPSULE[] = "zkproof.poseidon";

static void poseidon_capsule_free(PyObject *cap) {
    zk_poseidon_free(PyCapsule_GetPointer(cap, POSEIDON_CAPSULE));
}

static PyObject *py_poseidon_params(PyObject *self, PyObject *args) {
    int t, r_f, r_p;
    PyObject *co;
    if (!PyArg_ParseTuple(args, "iiiO", &t, &r_f, &r_p, &co)) return NULL;
    if (t < 2 || t > ZK_POSEIDON_MAX_T || r_f < 2 || r_f % 2 || r_f > 64 || r_p < 0 || r_p > 1024)
        return PyErr_Format(PyExc_ValueError, "poseidon_params: bad shape t=%d r_f=%d r_p=%d",
                            t, r_f, r_p);
    buf_t c = {0};
    if (get_buf(co, &c, "poseidon constants", 32) < 0) { release(&c); return NULL; }
    size_t want = zk_poseidon_count(t, r_f, r_p);
    if ((size_t)c.view.len != 32 * want) {
        PyErr_Format(PyExc_ValueError, "poseidon constants: %zd bytes, expected %zu (%zu constants)",
                     c.view.len, 32 * want, want);
        release(&c);
        return NULL;
    }
    long bad;
    zk_poseidon *p = zk_poseidon_new(t, r_f, r_p, c.view.buf, &bad);
    release(&c);
    if (!p) {
        if (bad < 0) return PyErr_NoMemory();
        return PyErr_Format(PyExc_ValueError, "poseidon constant %ld is not below r", bad);
    }
    PyObject *cap = PyCapsule_New(p, POSEIDON_CAPSULE, poseidon_capsule_free);
    if (!cap) zk_poseidon_free(p);
    return cap;
}

/* Shared by poseidon_many (width t - 1, output state[0]) and poseidon_permute (width t). */
static PyObject *poseidon_call(PyObject *args, int full) {
    PyObject *cap, *io;
    int n_out = 1;
    if (!PyArg_ParseTuple(args, full ? "OO|i" : "OO", &cap, &io, &n_out)) return NULL;
    const zk_poseidon *p = PyCapsule_GetPointer(cap, POSEIDON_CAPSULE);
    if (!p) return NULL;
    if (!full) n_out = 1;
    if (n_out < 1 || n_out > p->t)
        return PyErr_Format(PyExc_ValueError, "n_out must be in 1..%d, got %d", p->t, n_out);
    size_t width = (size_t)p->t - (full ? 0 : 1);
    buf_t in = {0};
    if (get_buf(io, &in, full ? "poseidon states" : "poseidon inputs", 32 * width) < 0) {
        release(&in);
        return NULL;
    }
    size_t n = (size_t)in.view.len / (32 * width);
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * n * (size_t)n_out));
    if (!out) { release(&in); return NULL; }
    long bad;
    unsigned char *ob = (unsigned char *)PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    bad = zk_poseidon_run(p, in.view.buf, width, n, n_out, ob);
    Py_END_ALLOW_THREADS
    release(&in);
    if (bad >= 0) {
        Py_DECREF(out);
        return PyErr_Format(PyExc_ValueError, "poseidon: element %ld (hash %ld, position %ld) is not below r",
                            bad, bad / (long)width, bad % (long)width);
    }
    return out;
}

static PyObject *py_poseidon_many(PyObject *self, PyObject *args) { return poseidon_call(args, 0); }
static PyObject *py_poseidon_permute(PyObject *self, PyObject *args) { return poseidon_call(args, 1); }

/* Test hook: one field operation on canonical 32-byte little-endian operands (fq2: 64 bytes,
 * c0 || c1). Results canonical. Exercises the Montgomery code paths the kernel uses. */
static PyObject *py_field_op(PyObject *self, PyObject *args) {
    const char *field, *op;
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "ssy*y*", &field, &op, &a, &b)) return NULL;
    PyObject *res = NULL;
    int is2 = strcmp(field, "fq2") == 0, isr = strcmp(field, "fr") == 0;
    size_t sz = is2 ? 64 : 32;
    if ((!is2 && !isr && strcmp(field, "fq")) || (size_t)a.len != sz || (size_t)b.len != sz) {
        PyErr_SetString(PyExc_ValueError, "bad field or operand size");
        goto out;
    }
    unsigned char buf[64];
#define FIELD_OP(T, P)                                                          \
    do {                                                                        \
        T x, y, z;                                                              \
        memcpy(&x, a.buf, sz);                                                  \
        memcpy(&y, b.buf, sz);                                                  \
        P##_to_mont_any(&x); P##_to_mont_any(&y);                               \
        if (!strcmp(op, "mul")) P##_mul(&z, &x, &y);                            \
        else if (!strcmp(op, "add")) P##_add(&z, &x, &y);                       \
        else if (!strcmp(op, "sub")) P##_sub(&z, &x, &y);                       \
        else if (!strcmp(op, "sqr")) P##_sqr(&z, &x);                           \
        else if (!strcmp(op, "neg")) P##_neg(&z, &x);                           \
        else if (!strcmp(op, "inv")) P##_inv(&z, &x);                           \
        else { PyErr_SetString(PyExc_ValueError, "bad op"); goto out; }         \
        P##_from_mont_any(&z);                                                  \
        memcpy(buf, &z, sz);                                                    \
    } while (0)
    if (is2) FIELD_OP(fq2, fq2);
    else if (isr) FIELD_OP(fr, fr);
    else FIELD_OP(fq, fq);
#undef FIELD_OP
    res = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)sz);
out:
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return res;
}

static PyObject *py_set_adx(PyObject *self, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
#if ZK_HAVE_ADX_ASM
    if (!on) zk_use_adx = 0;
    else zk_cpu_init();
    return PyBool_FromLong(zk_use_adx);
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"g1_msm", py_g1_msm, METH_VARARGS, "g1_msm(points, scalars) -> (x, y) | None: sum s_i P_i in G1."},
    {"g2_msm", py_g2_msm, METH_VARARGS, "g2_msm(points, scalars) -> ((x0, x1), (y0, y1)) | None."},
    {"g1_batch_mul", py_g1_batch_mul, METH_VARARGS, "g1_batch_mul(points, scalars) -> bytes: [s_i P_i], LEM."},
    {"g2_batch_mul", py_g2_batch_mul, METH_VARARGS, "g2_batch_mul(points, scalars) -> bytes: [s_i P_i], LEM."},
    {"fr_ntt", (PyCFunction)(void (*)(void))py_fr_ntt, METH_VARARGS | METH_KEYWORDS,
     "fr_ntt(values, inverse=False, shift=1) -> bytes: NTT over F_r on a coset."},
    {"h_evaluations", py_h_evaluations, METH_VARARGS,
     "h_evaluations(coeffs, witness, domain_size) -> bytes: (a b - c) on the odd coset (snarkjs)."},
    {"r1cs_first_unsatisfied", py_r1cs_first_unsatisfied, METH_VARARGS,
     "r1cs_first_unsatisfied(coeffs, witness, rows) -> int: first row with a b != c, or -1."},
    {"poseidon_params", py_poseidon_params, METH_VARARGS,
     "poseidon_params(t, r_f, r_p, constants) -> handle: the optimized constants (poseidon.h order)."},
    {"poseidon_many", py_poseidon_many, METH_VARARGS,
     "poseidon_many(handle, inputs) -> bytes: state[0] of Poseidon([0, x_1..x_(t-1)]) per hash."},
    {"poseidon_permute", py_poseidon_permute, METH_VARARGS,
     "poseidon_permute(handle, states, n_out=1) -> bytes: the first n_out words of each permuted state."},
    {"_field_op", py_field_op, METH_VARARGS, "_field_op(field, op, a, b) -> bytes (test hook)."},
    {"threads", zk_py_threads, METH_NOARGS, "threads() -> number of worker threads."},
    {"set_threads", zk_py_set_threads, METH_O, "set_threads(n) -> n; 0 = back to the default."},
    {"_set_adx", py_set_adx, METH_O,
     "_set_adx(on) -> bool: use the BMI2/ADX field product if the CPU has it (test hook)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "zkproof._native.kernel",
    "Native BN254 prover kernel (MSM, batch multiplication, NTT); see zkproof.kernel.", -1, methods,
};

PyMODINIT_FUNC PyInit_kernel(void) {
    R_INT = PyLong_FromString(
        "21888242871839275222246405745257275088548364400416034343698204186575808495617", NULL, 10);
    if (!R_INT) return NULL;
    zk_cpu_init();
    return PyModule_Create(&moddef);
}
