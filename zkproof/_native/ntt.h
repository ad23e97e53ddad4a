/* NTT over F_r on Montgomery-form arrays (ntt.c). */
#ifndef ZK_NTT_H
#define ZK_NTT_H

#include "field.h"

/* In place: forward (coefficients -> evaluations on shift*<w_n>) or inverse. n a power of two;
 * shift in Montgomery form, nonzero for the inverse. */
void zk_fr_ntt_mont(fr *a, size_t n, int inverse, const fr *shift_mont);

#endif
