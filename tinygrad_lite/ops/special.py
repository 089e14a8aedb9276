"""The error function erf and its complement erfc for NumPy arrays, accurate to
float64 (within 1 ulp) without SciPy.

erf(x) = 2/sqrt(pi) * integral from 0 to x of e**(-t**2) dt, and
erfc(x) = 1 - erf(x), computed directly so that it keeps its relative accuracy
where erf(x) is close to 1 (1 - erf(x) would round to 0 there).

The method is Sun's fdlibm ``s_erf.c`` (as in FreeBSD's and musl's libm),
vectorised: a rational approximation on each of four ranges of |x|, and
e**(-x**2) computed as e**(-s**2) * e**((s - x)(s + x)) with s equal to x
rounded to 21 significant bits, so that s**2 is exact and the large exponent
loses nothing. Float32 and float16 inputs are computed in float64 and rounded
back; the result has the input's shape and floating dtype (float64 for
integers).
"""

from __future__ import annotations

import numpy as np

from .core import Array, quiet

ERX = 8.45062911510467529297e-01  # erf(1) rounded to float32's 24 bits
# erf(x) = x + x * P(x**2) / Q(x**2) on |x| < 0.84375
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
# erf(|x|) = ERX + P(s) / Q(s) with s = |x| - 1, on 0.84375 <= |x| < 1.25
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.0,
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
# erfc(|x|) = e**(-x**2 - 0.5625 + R(s) / S(s)) / |x| with s = 1 / x**2, on 1.25 <= |x| < 1/0.35
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.0,
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
# ... and on 1/0.35 <= |x| < 28
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    1.0,
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)
_HIGH_WORD = np.uint64(0xFFFFFFFF00000000)


def _poly(coefficients: tuple[float, ...], s: Array) -> Array:
    """c0 + c1 s + c2 s**2 + ..., by Horner's rule."""
    result = np.full_like(s, coefficients[-1])
    for c in coefficients[-2::-1]:
        result *= s
        result += c
    return result


def _small(x: Array) -> Array:
    """x * P(x**2) / Q(x**2): erf(x) - x on |x| < 0.84375."""
    z = x * x
    return x * (_poly(_PP, z) / _poly(_QQ, z))


def _middle(ax: Array) -> Array:
    """P(s) / Q(s) with s = |x| - 1: erf(|x|) - ERX on 0.84375 <= |x| < 1.25."""
    s = ax - 1
    return _poly(_PA, s) / _poly(_QA, s)


def _tail(ax: Array) -> Array:
    """erfc(|x|) for 1.25 <= |x| < 28 (underflowing to 0 beyond about 26.5)."""
    s = 1 / (ax * ax)
    near = ax < 1 / 0.35
    r, q = np.empty_like(ax), np.empty_like(ax)
    r[near], q[near] = _poly(_RA, s[near]), _poly(_SA, s[near])
    far = ~near
    r[far], q[far] = _poly(_RB, s[far]), _poly(_SB, s[far])
    head = (ax.view(np.uint64) & _HIGH_WORD).view(np.float64)  # |x| to 21 bits: head**2 is exact
    return np.exp(-head * head - 0.5625) * np.exp((head - ax) * (head + ax) + r / q) / ax


@quiet(under="ignore", over="ignore")
def _erf_erfc(x: Array, complement: bool) -> Array:
    """erf(x), or erfc(x) when `complement`: erf(|x|) or erfc(|x|) range by
    range (see the module docstring), then erf(x) = sign(x) erf(|x|) and
    erfc(x) = 2 - erfc(|x|) for x < 0."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    flat = np.array(x, dtype=np.float64, ndmin=1).reshape(-1)
    ax = np.abs(flat)
    out = np.empty_like(ax)
    small = ax < 0.84375
    middle = (ax < 1.25) & ~small
    tail = ~(small | middle)  # NaN too: it stays NaN through the tail's formula

    a = ax[small]
    y = _small(a)  # erf(a) - a
    if complement:  # 1 - (a + y), regrouped where that keeps more digits (a >= 1/4)
        out[small] = np.where(a < 0.25, 1 - (a + y), 0.5 - (a - 0.5 + y))
    else:
        out[small] = a + y

    pq = _middle(ax[middle])  # erf(a) - ERX
    out[middle] = (1 - ERX) - pq if complement else ERX + pq  # 1 - ERX is exact

    # beyond 28, erfc(a) underflows to 0 and erf(a) rounds to 1: inf is taken as 28
    t = _tail(np.minimum(ax[tail], 28.0))  # erfc(a)
    out[tail] = t if complement else 1 - t

    out = np.where(flat < 0, 2 - out, out) if complement else np.copysign(out, flat)
    return out.reshape(x.shape).astype(dtype, copy=False)


def erf(x: Array) -> Array:
    """erf(x) elementwise: odd, from -1 at -inf to 1 at inf; erf(nan) = nan."""
    return _erf_erfc(np.asarray(x), complement=False)


def erfc(x: Array) -> Array:
    """erfc(x) = 1 - erf(x) elementwise, accurate also where it is tiny (x large):
    erfc(-inf) = 2, erfc(inf) = 0, erfc(nan) = nan."""
    return _erf_erfc(np.asarray(x), complement=True)
