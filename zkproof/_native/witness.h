/* Groth16 witness map (witness.c). */
#ifndef ZK_WITNESS_H
#define ZK_WITNESS_H

#include <stddef.h>
#include <stdint.h>

/* Validate a section-4-style body: -2 bad length, -1 all good, else the index of the first entry
 * with matrix >= matrices, row >= rows or signal >= n_vars (its three fields in bad). Sets *count.
 * The zkey's section 4 has matrices = 2 (A, B) and rows = the domain size. */
long zk_coeffs_check(const unsigned char *coeffs, size_t len, uint32_t matrices, size_t n_vars,
                     size_t rows, size_t *count, uint32_t bad[3]);
/* The R1CS check: coeffs as section 4 with matrices 0, 1, 2 = A, B, C; index of the first row
 * with a b != c, -1 if every row holds, -2 out of memory. */
long zk_r1cs_first_unsatisfied(const unsigned char *coeffs, size_t count, const unsigned char *wit,
                               size_t rows);
/* (a b - c) on the odd coset, n = domain size (a power of two < 2^28); out holds 32 n bytes. */
int zk_h_evaluations(const unsigned char *coeffs, size_t count, const unsigned char *wit, size_t n,
                     unsigned char *out);

#endif
