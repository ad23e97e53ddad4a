/* Groth16 witness map (witness.c). */
#ifndef ZK_WITNESS_H
#define ZK_WITNESS_H

#include <stddef.h>
#include <stdint.h>

/* Validate a section-4 body: -2 bad length, -1 all good, else the index of the first entry with
 * matrix > 1, row >= domain or signal >= n_vars (its three fields in bad). Sets *count. */
long zk_h_check(const unsigned char *coeffs, size_t len, size_t n_vars, size_t domain, size_t *count,
                uint32_t bad[3]);
/* (a b - c) on the odd coset, n = domain size (a power of two < 2^28); out holds 32 n bytes. */
int zk_h_evaluations(const unsigned char *coeffs, size_t count, const unsigned char *wit, size_t n,
                     unsigned char *out);

#endif
