package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestPLRGradient(t *testing.T) {
	cases := []struct {
		name                     string
		batch, feats, freqs, dim int
	}{
		{"one feature", 3, 1, 2, 3},
		{"three features", 4, 3, 2, 2},
		{"wide embedding", 2, 2, 3, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			s := newScope64(t)
			e, err := NewPLR("plr", c.feats, c.freqs, c.dim, 0.3, tensor.Float64, rng)
			if err != nil {
				t.Fatal(err)
			}
			for i := range e.B.Value.Float64s() {
				e.B.Value.Float64s()[i] = rng.NormFloat64() * 0.3
			}
			x := randomParam(t, "x", rng, 1, c.batch, c.feats)
			xn, err := s.Param(x)
			if err != nil {
				t.Fatal(err)
			}
			y, err := e.Forward(s, xn, "plr")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := y.Shape(), (tensor.Shape{c.batch, c.feats * c.dim}); !got.Eq(want) {
				t.Fatalf("output shape %v, want %v", got, want)
			}
			worst := gradCheck(t, s, projectCost(t, s, y, rng), append([]Param{x}, e.Params()...))
			t.Logf("largest relative error %.2g", worst)
		})
	}
}

// TestPLRKnownValues checks the embedding against values computed by hand
// for one feature, one frequency and one output.
func TestPLRKnownValues(t *testing.T) {
	s := newScope64(t)
	e, err := NewPLR("plr", 1, 1, 1, 1, tensor.Float64, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	e.Freq.Value.Float64s()[0] = 0.25
	copy(e.W.Value.Float64s(), []float64{2, -3}) // weights of cos, then sin
	e.B.Value.Float64s()[0] = 0.5

	x := s.Input("x", 3, 1)
	if err := SetValues(x, []float64{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	y, err := e.Forward(s, x, "plr")
	if err != nil {
		t.Fatal(err)
	}

	vm := G.NewTapeMachine(s.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}

	// v = 2π·0.25·x = π/2·x: x=0 → 2·1 − 0 + 0.5 = 2.5; x=1 → 2·0 − 3·1 + 0.5
	// = −2.5 → ReLU 0; x=2 → 2·(−1) − 0 + 0.5 = −1.5 → 0.
	want := []float64{2.5, 0, 0}
	got := Values(y)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("row %d: %v, want %v", i, got[i], want[i])
		}
	}
}
