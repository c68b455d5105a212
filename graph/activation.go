package graph

import (
	"math"
	"unsafe"
)

// The GRU op's activations come from exp: σ(a) = 1/(1 + e^−a) and
// tanh a = 1 − 2/(e^2a + 1). float64 graphs, used for gradient checks, get
// the standard library's exp. float32 graphs get expFast, which is about
// twice as fast and accurate far beyond float32's precision.

// isFloat32 reports whether T is float32. Each element type gets its own
// compiled copy of the generic code, in which this is a constant.
func isFloat32[T float32 | float64](x T) bool {
	return unsafe.Sizeof(x) == 4
}

// Constants of expFast.
const (
	log2e = 1.4426950408889634 // 1/ln 2
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	// expLimit bounds the argument; e^±88 is about float32's range.
	expLimit = 88.0
	// roundMagic is 1.5·2^52: adding it rounds a float64 to an integer.
	roundMagic = 6755399441055744.0
)

// expFast returns e^x with a relative error below 1e-8 for |x| ≤ 88, and
// e^±88 beyond. It writes x = k·ln 2 + r with |r| ≤ ln2/2 and evaluates
// e^r by its Taylor series to degree 8, whose truncation error is
// r^9/9! < 2e-10. The polynomial is split (Estrin's scheme) so that its
// multiplications do not all wait on each other.
func expFast(x float64) float64 {
	if x > expLimit {
		x = expLimit
	} else if !(x >= -expLimit) {
		x = -expLimit // also catches NaN
	}
	k := x*log2e + roundMagic - roundMagic
	r := x - k*ln2Hi - k*ln2Lo
	r2 := r * r
	r4 := r2 * r2
	p01 := 1 + r
	p23 := 1.0/2 + r*(1.0/6)
	p45 := 1.0/24 + r*(1.0/120)
	p67 := 1.0/720 + r*(1.0/5040)
	p := p01 + r2*p23 + r4*(p45+r2*p67+r4*(1.0/40320))
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
}

// expFastSlice sets v[i] = expFast(v[i]). The loop body is expFast written
// out, because Go does not inline a function of its size and the call per
// value would cost as much as the polynomial.
func expFastSlice(v []float64) {
	for i, x := range v {
		if x > expLimit {
			x = expLimit
		} else if !(x >= -expLimit) {
			x = -expLimit
		}
		k := x*log2e + roundMagic - roundMagic
		r := x - k*ln2Hi - k*ln2Lo
		r2 := r * r
		r4 := r2 * r2
		p01 := 1 + r
		p23 := 1.0/2 + r*(1.0/6)
		p45 := 1.0/24 + r*(1.0/120)
		p67 := 1.0/720 + r*(1.0/5040)
		p := p01 + r2*p23 + r4*(p45+r2*p67+r4*(1.0/40320))
		v[i] = math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
	}
}

// expExactSlice sets v[i] = e^v[i] with the standard library.
func expExactSlice(v []float64) {
	for i, x := range v {
		v[i] = math.Exp(x)
	}
}
