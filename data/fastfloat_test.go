package data

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// checkSimpleFloat32 compares parseSimpleFloat32 with strconv.ParseFloat
// on one input: when the fast path accepts a text, it must give the same
// float32 bits.
func checkSimpleFloat32(t *testing.T, s string) (accepted bool) {
	t.Helper()
	got, ok := parseSimpleFloat32([]byte(s))
	want, err := strconv.ParseFloat(s, 32)
	if !ok {
		return false
	}
	if err != nil {
		t.Errorf("parseSimpleFloat32(%q) accepted text that strconv rejects: %v", s, err)
		return true
	}
	if math.Float32bits(got) != math.Float32bits(float32(want)) {
		t.Errorf("parseSimpleFloat32(%q) = %v (bits %#x), strconv gives %v (bits %#x)",
			s, got, math.Float32bits(got), float32(want), math.Float32bits(float32(want)))
	}
	return true
}

func TestParseSimpleFloat32KnownInputs(t *testing.T) {
	tests := []struct {
		in     string
		accept bool
	}{
		{"0", true},
		{"-0", true},
		{"12", true},
		{"-122.23", true},
		{"+5", true},
		{".5", true},
		{"5.", true},
		{"3.5e-4", true},
		{"3.5E+4", true},
		{"0.0661102736157912", true},
		{"-0.1172731931425047", true},
		{"452600.0", true},
		{"000123.4500", true},
		// 2^24+1 lies halfway between two float32 values: strconv rounds
		// to even, and the fast path must leave it to strconv.
		{"16777217", false},
		{"1e39", false},
		{"1e-50", false},
		{"1e400", false},
		{"12345678901234567890", false},
		{"inf", false},
		{"NaN", false},
		{"0x1p-2", false},
		{"1_000", false},
		{"1240m", false},
		{"", false},
		{"-", false},
		{".", false},
		{"1e", false},
		{"1e+", false},
		{"1.2.3", false},
		{"6,1710", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := checkSimpleFloat32(t, tt.in); got != tt.accept {
				t.Errorf("accepted = %v, want %v", got, tt.accept)
			}
		})
	}
}

func TestParseSimpleFloat32MatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	accepted := 0
	const n = 200_000
	for range n {
		var s string
		switch rng.IntN(4) {
		case 0: // the form tables hold: a few significant digits
			s = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(12)-6)), 'g', 1+rng.IntN(17), 64)
		case 1: // fixed notation with many decimals
			s = strconv.FormatFloat(rng.NormFloat64()*1000, 'f', rng.IntN(18), 64)
		case 2: // integers near float32 rounding boundaries
			s = strconv.FormatInt(int64(1<<24+rng.IntN(1<<20)), 10)
		default: // random digit strings with a point and an exponent
			digits := make([]byte, 1+rng.IntN(19))
			for i := range digits {
				digits[i] = byte('0' + rng.IntN(10))
			}
			at := rng.IntN(len(digits) + 1)
			s = string(digits[:at]) + "." + string(digits[at:]) + "e" + strconv.Itoa(rng.IntN(40)-20)
		}
		if checkSimpleFloat32(t, s) {
			accepted++
		}
	}
	// The fast path must carry most table-like inputs, or it is no faster.
	if accepted < n/2 {
		t.Errorf("fast path accepted %d of %d inputs, want at least half", accepted, n)
	}
}
