package data

import "math"

// parseSimpleFloat32 parses the common decimal forms ("-0.1234", "12",
// "3.5e-4") to the float32 nearest the decimal value, the result
// strconv.ParseFloat(s, 32) gives. It reports false for anything it does
// not handle exactly, and the caller falls back to strconv: text, special
// values, hex, underscores, more than 19 digits, and the rare cases below.
//
// The method is Clinger's fast path: with at most 2^53 as the digits and a
// power of ten up to 10^22, one float64 multiply or divide of two exact
// values is correctly rounded. Rounding that float64 to float32 can differ
// from rounding the decimal only when the float64 lies exactly halfway
// between two float32 values, so those cases (and results outside the
// float32 normal range) fall back.
func parseSimpleFloat32(b []byte) (float32, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	digits, exp10 := 0, 0
	sawDigit, sawDot := false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			sawDigit = true
			if c == '0' && digits == 0 {
				if sawDot {
					exp10--
				}
				continue
			}
			if digits == 19 {
				return 0, false
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if sawDot {
				exp10--
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			goto exponent
		}
	}
exponent:
	if !sawDigit {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		start, e := i, 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(b[i]-'0')
		}
		if i == start {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp10 += e
	}
	if i != len(b) {
		return 0, false
	}
	if mant == 0 {
		if neg {
			return float32(math.Copysign(0, -1)), true
		}
		return 0, true
	}
	if mant > 1<<53 || exp10 < -22 || exp10 > 22 {
		return 0, false
	}
	f := float64(mant)
	if exp10 >= 0 {
		f *= math.Pow10(exp10)
	} else {
		f /= math.Pow10(-exp10)
	}
	if f < math.SmallestNonzeroFloat32*(1<<23) || f > math.MaxFloat32 {
		return 0, false // outside the float32 normal range
	}
	// A float64 exactly halfway between two float32 values has its 29
	// low mantissa bits equal to 1 followed by 28 zeros.
	if math.Float64bits(f)&(1<<29-1) == 1<<28 {
		return 0, false
	}
	if neg {
		f = -f
	}
	return float32(f), true
}
