package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

func TestExpFast(t *testing.T) {
	var xs []float64
	for x := -88.0; x <= 88; x += 0.001 {
		xs = append(xs, x)
	}
	slice := append([]float64(nil), xs...)
	expFastSlice(slice)
	worst := 0.0
	for i, x := range xs {
		want := math.Exp(x)
		for _, got := range []float64{expFast(x), slice[i]} {
			rel := math.Abs(got-want) / want
			worst = math.Max(worst, rel)
			if rel > 1e-8 {
				t.Fatalf("e^%v = %v, want %v (relative error %.2g)", x, got, want, rel)
			}
		}
	}
	t.Logf("largest relative error %.2g", worst)

	edges := []float64{-1000, math.Inf(-1), math.NaN()}
	expFastSlice(edges)
	for i, got := range append(edges, expFast(-1000)) {
		if got <= 0 || got > 1e-37 {
			t.Errorf("edge case %d: %v, want e^-88", i, got)
		}
	}
	if got := expFast(1000); got < 1e38 || math.IsInf(got, 0) {
		t.Errorf("expFast(1000) = %v, want e^88", got)
	}
}

// TestGRUFloat32MatchesFloat64 checks the float32 path, which uses expFast,
// against the float64 path on the same weights and inputs.
func TestGRUFloat32MatchesFloat64(t *testing.T) {
	c := gruCase{"float32", 5, 4, 8, 2}
	outs := make([][]float64, 2)
	for k, dtype := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		rng := rand.New(rand.NewPCG(21, 22))
		s, err := NewScope(dtype)
		if err != nil {
			t.Fatal(err)
		}
		cell, x, h0 := c.setup(t, rng, dtype)
		// Large inputs push the gates into saturation as well.
		scale(x.Value, 4)
		outs[k] = runAll(t, s, c.fused(t, s, cell, x, h0))[0]
	}
	for i := range outs[0] {
		if d := math.Abs(outs[0][i] - outs[1][i]); d > 2e-6 {
			t.Errorf("h'[%d]: float64 %v, float32 %v", i, outs[0][i], outs[1][i])
		}
	}
}

// scale multiplies every value of t by f.
func scale(t *tensor.Dense, f float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] *= float32(f)
		}
	case []float64:
		for i := range d {
			d[i] *= f
		}
	}
}

func BenchmarkExp(b *testing.B) {
	v := make([]float64, 1<<12)
	fill := func() {
		for i := range v {
			v[i] = float64(i%2000-1000) / 100
		}
	}
	for _, c := range []struct {
		name string
		fn   func([]float64)
	}{{"fast", expFastSlice}, {"math", expExactSlice}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				fill()
				c.fn(v)
			}
			b.ReportMetric(float64(b.N*len(v))/b.Elapsed().Seconds()/1e6, "Mvalues/s")
		})
	}
}
