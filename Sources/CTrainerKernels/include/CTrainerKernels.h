// AVX-512 versions of the trainer's exp-heavy elementwise loops, chosen at run time. They do the same float
// operations in the same order as the portable Swift code in Sources/Trainer/Vectorized.swift and Layers.swift
// (no fused multiply-add), so both paths give the same bits; they only use wider registers.
#ifndef CTRAINERKERNELS_H
#define CTRAINERKERNELS_H
#include <stddef.h>

/// 1 when this CPU and OS run AVX-512F code (the functions below may be called), else 0.
int dft_avx512_available(void);

/// For the first chunks·8 floats of p: p[i] = exp(p[i] - shift). lanes[0..<8] receives the per-lane sums, each lane
/// adding its values chunk after chunk (the order of the Swift 8-lane loop).
void dft_exp_shift_chunks(float *p, ptrdiff_t chunks, float shift, float *lanes);

/// h[i] = g[i] / (1 + exp(-g[i])) * u[i] for the first chunks·8 elements.
void dft_swiglu_forward_chunks(float *h, const float *g, const float *u, ptrdiff_t chunks);

/// s = 1 / (1 + exp(-g)); du = dh·g·s; dg = dh·u·s·(1 + g·(1 − s)) for the first chunks·8 elements.
void dft_swiglu_backward_chunks(float *dg, float *du, const float *dh, const float *g, const float *u, ptrdiff_t chunks);

/// Max over lanes of the first chunks·8 floats of p, folded into lanes[0..<8] (lane j: max of lanes[j] and p[8c + j]).
void dft_max_chunks(const float *p, ptrdiff_t chunks, float *lanes);

/// p[i] *= a for the first chunks·8 floats.
void dft_scale_chunks(float *p, ptrdiff_t chunks, float a);

/// AdamW on the first chunks·8 elements, as AdamW.step's 8-lane loop: m = b1·m + (1−b1)·g, v = b2·v + (1−b2)·g·g,
/// p = p − lr·((m·c1) / (√(v·c2) + eps) + wd·p).
void dft_adamw_chunks(float *p, const float *g, float *m, float *v, ptrdiff_t chunks,
                      float b1, float b2, float c1, float c2, float eps, float wd, float lr);

#endif
