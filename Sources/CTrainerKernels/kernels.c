// See include/CTrainerKernels.h. On other architectures the functions exist but report no support.
#include "CTrainerKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int dft_avx512_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define TGT __attribute__((target("avx512f,avx2")))

// The Cephes expf scheme of Vectorized.swift's vexp, step for step.
TGT static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.0f));
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), magic);
    __m512 n = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
    r = _mm512_add_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(r, r)), r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

// -x (sign flip, as Swift's prefix minus)
TGT static inline __m512 neg16(__m512 x) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}

TGT void dft_exp_shift_chunks(float *p, ptrdiff_t chunks, float shift, float *lanes) {
    __m256 s = _mm256_setzero_ps();
    const __m512 sh = _mm512_set1_ps(shift);
    ptrdiff_t c = 0;
    for (; c + 2 <= chunks; c += 2) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(p + 8 * c), sh));
        _mm512_storeu_ps(p + 8 * c, e);
        s = _mm256_add_ps(s, _mm512_castps512_ps256(e));
        s = _mm256_add_ps(s, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1)));
    }
    if (c < chunks) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(0xFF, p + 8 * c), sh));
        _mm512_mask_storeu_ps(p + 8 * c, 0xFF, e);
        s = _mm256_add_ps(s, _mm512_castps512_ps256(e));
    }
    _mm256_storeu_ps(lanes, s);
}

TGT void dft_swiglu_forward_chunks(float *h, const float *g, const float *u, ptrdiff_t chunks) {
    ptrdiff_t n = 8 * chunks, i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : 0xFF;
        __m512 x = _mm512_maskz_loadu_ps(m, g + i), uu = _mm512_maskz_loadu_ps(m, u + i);
        __m512 y = _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(one, exp16(neg16(x)))), uu);
        _mm512_mask_storeu_ps(h + i, m, y);
    }
}

TGT void dft_swiglu_backward_chunks(float *dg, float *du, const float *dh, const float *g, const float *u, ptrdiff_t chunks) {
    ptrdiff_t n = 8 * chunks, i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : 0xFF;
        __m512 x = _mm512_maskz_loadu_ps(m, g + i), uu = _mm512_maskz_loadu_ps(m, u + i), d = _mm512_maskz_loadu_ps(m, dh + i);
        __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, exp16(neg16(x))));
        __m512 a = _mm512_mul_ps(_mm512_mul_ps(d, x), s);
        __m512 b = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(d, uu), s),
                                 _mm512_add_ps(one, _mm512_mul_ps(x, _mm512_sub_ps(one, s))));
        _mm512_mask_storeu_ps(du + i, m, a);
        _mm512_mask_storeu_ps(dg + i, m, b);
    }
}

// lane by lane in chunk order, m = v > m ? v : m (as vmax in Vectorized.swift)
TGT void dft_max_chunks(const float *p, ptrdiff_t chunks, float *lanes) {
    __m256 m = _mm256_loadu_ps(lanes);
    for (ptrdiff_t c = 0; c < chunks; c++) m = _mm256_max_ps(_mm256_loadu_ps(p + 8 * c), m);
    _mm256_storeu_ps(lanes, m);
}

TGT void dft_scale_chunks(float *p, ptrdiff_t chunks, float a) {
    ptrdiff_t n = 8 * chunks, i = 0;
    const __m512 va = _mm512_set1_ps(a);
    for (; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : 0xFF;
        _mm512_mask_storeu_ps(p + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + i), va));
    }
}

TGT void dft_adamw_chunks(float *p, const float *g, float *m, float *v, ptrdiff_t chunks,
                          float b1, float b2, float c1, float c2, float eps, float wd, float lr) {
    ptrdiff_t n = 8 * chunks, i = 0;
    const __m512 vb1 = _mm512_set1_ps(b1), vb1c = _mm512_set1_ps(1 - b1), vb2 = _mm512_set1_ps(b2), vb2c = _mm512_set1_ps(1 - b2);
    const __m512 vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2), ve = _mm512_set1_ps(eps), vwd = _mm512_set1_ps(wd), vlr = _mm512_set1_ps(lr);
    for (; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : 0xFF;
        __m512 gi = _mm512_maskz_loadu_ps(k, g + i), pi = _mm512_maskz_loadu_ps(k, p + i);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(vb1c, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_maskz_loadu_ps(k, v + i)), _mm512_mul_ps(_mm512_mul_ps(vb2c, gi), gi));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        __m512 upd = _mm512_add_ps(_mm512_div_ps(_mm512_mul_ps(mi, vc1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, vc2)), ve)),
                                   _mm512_mul_ps(vwd, pi));
        _mm512_mask_storeu_ps(p + i, k, _mm512_sub_ps(pi, _mm512_mul_ps(vlr, upd)));
    }
}

#else
int dft_avx512_available(void) { return 0; }
void dft_exp_shift_chunks(float *p, ptrdiff_t chunks, float shift, float *lanes) { (void)p; (void)chunks; (void)shift; (void)lanes; }
void dft_swiglu_forward_chunks(float *h, const float *g, const float *u, ptrdiff_t chunks) { (void)h; (void)g; (void)u; (void)chunks; }
void dft_swiglu_backward_chunks(float *dg, float *du, const float *dh, const float *g, const float *u, ptrdiff_t chunks) {
    (void)dg; (void)du; (void)dh; (void)g; (void)u; (void)chunks;
}
void dft_max_chunks(const float *p, ptrdiff_t chunks, float *lanes) { (void)p; (void)chunks; (void)lanes; }
void dft_scale_chunks(float *p, ptrdiff_t chunks, float a) { (void)p; (void)chunks; (void)a; }
void dft_adamw_chunks(float *p, const float *g, float *m, float *v, ptrdiff_t chunks,
                      float b1, float b2, float c1, float c2, float eps, float wd, float lr) {
    (void)p; (void)g; (void)m; (void)v; (void)chunks; (void)b1; (void)b2; (void)c1; (void)c2; (void)eps; (void)wd; (void)lr;
}
#endif
