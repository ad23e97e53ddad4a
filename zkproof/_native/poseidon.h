/* Poseidon permutation over F_r in the optimized form (poseidon.c).
 *
 * The constants are computed in Python (zkproof.hash.poseidon_params.optimized) and handed over
 * once per width as canonical 32-byte little-endian integers, in this order (half = r_f / 2):
 *   first_full[half][t], mds[t][t], pre_c[t], pre_d[t][t], partial_k[r_p],
 *   sparse[r_p] x (row0[t], col0[t - 1]), last_full[half][t].
 */
#ifndef ZK_POSEIDON_H
#define ZK_POSEIDON_H

#include <stddef.h>

#include "field.h"

#define ZK_POSEIDON_MAX_T 17

typedef struct {
    int t, r_f, r_p;
    /* pointers into data[], Montgomery form */
    fr *first_full, *mds, *pre_c, *pre_d, *partial_k, *sparse, *last_full;
    fr data[];
} zk_poseidon;

/* Number of 32-byte constants the layout above holds. */
size_t zk_poseidon_count(int t, int r_f, int r_p);
/* Parse the constants (count from zk_poseidon_count). NULL: out of memory (*bad = -1) or the
 * constant at index *bad is not below r. */
zk_poseidon *zk_poseidon_new(int t, int r_f, int r_p, const unsigned char *consts, long *bad);
void zk_poseidon_free(zk_poseidon *p);
/* n permutations. states: n x width 32-byte canonical elements, width = t (full state in) or
 * t - 1 (hash inputs; the capacity element 0 is prepended). out: n x n_out elements, the first
 * n_out of the permuted state (1 <= n_out <= t). Returns -1, or the index of the first input
 * element that is not below r (then out is unspecified). Runs on the worker threads when n is
 * large. */
long zk_poseidon_run(const zk_poseidon *p, const unsigned char *states, size_t width, size_t n,
                     int n_out, unsigned char *out);

#endif
