/* threads() / set_threads(n) for a Python extension module that links threads.c. Each module
 * (kernel, groupfft) links its own copy of the thread-pool state, so each defines these two from
 * this header (zkproof.kernel.set_threads calls both). Include after Python.h and threads.h. */
#ifndef ZK_PY_THREADS_H
#define ZK_PY_THREADS_H

static PyObject *zk_py_threads(PyObject *self, PyObject *noargs) {
    return PyLong_FromLong(zk_nthreads());
}

static PyObject *zk_py_set_threads(PyObject *self, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    zk_set_nthreads((int)n);
    return PyLong_FromLong(zk_nthreads());
}

#endif
