package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

func TestRowOpsGradient(t *testing.T) {
	cases := []struct {
		name  string
		build func(t *testing.T, s *Scope, rng *rand.Rand) (*G.Node, []Param)
	}{
		{"add bias", func(t *testing.T, s *Scope, rng *rand.Rand) (*G.Node, []Param) {
			x, b := randomParam(t, "x", rng, 1, 3, 4), randomParam(t, "b", rng, 1, 1, 4)
			y, err := AddBias(nodesOf(t, s, []Param{x})[0], nodesOf(t, s, []Param{b})[0])
			if err != nil {
				t.Fatal(err)
			}
			return y, []Param{x, b}
		}},
		{"scale rows", func(t *testing.T, s *Scope, rng *rand.Rand) (*G.Node, []Param) {
			w, v := randomParam(t, "w", rng, 1, 3, 1), randomParam(t, "v", rng, 1, 3, 5)
			y, err := ScaleRows(nodesOf(t, s, []Param{w})[0], nodesOf(t, s, []Param{v})[0])
			if err != nil {
				t.Fatal(err)
			}
			return y, []Param{w, v}
		}},
		{"squared error", func(t *testing.T, s *Scope, rng *rand.Rand) (*G.Node, []Param) {
			p, y := randomParam(t, "pred", rng, 1, 4, 1), randomParam(t, "y", rng, 1, 4, 1)
			n := nodesOf(t, s, []Param{p, y})
			out, err := SquaredError(s, "se", n[0], n[1])
			if err != nil {
				t.Fatal(err)
			}
			return out, []Param{p, y}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(15, 16))
			s := newScope64(t)
			y, params := c.build(t, s, rng)
			gradCheck(t, s, projectCost(t, s, y, rng), params)
		})
	}
}

func TestMaskedMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	s := newScope64(t)
	v := randomParam(t, "v", rng, 1, 5, 1)
	mask := s.Input("mask", 5, 1)
	if err := SetValues(mask, []float64{1, 0, 1, 1, 0}); err != nil {
		t.Fatal(err)
	}
	mean, err := MaskedMean(s, "mm", nodesOf(t, s, []Param{v})[0], mask)
	if err != nil {
		t.Fatal(err)
	}
	vals := v.Value.Float64s()
	want := (vals[0] + vals[2] + vals[3]) / 3
	if got := runAll(t, s, mean)[0][0]; math.Abs(got-want) > 1e-12 {
		t.Errorf("masked mean %v, want %v", got, want)
	}
	// The cost is the mean itself: its gradient is 1/3 on real rows and 0
	// on padding, which the check compares against finite differences.
	gradCheck(t, s, mean, []Param{v})
}

func TestRowOpsKnownValues(t *testing.T) {
	s := newScope64(t)
	w := s.Input("w", 2, 1)
	v := s.Input("v", 2, 3)
	b := s.Input("b", 1, 3)
	for _, in := range []struct {
		n    *G.Node
		vals []float64
	}{{w, []float64{2, -1}}, {v, []float64{1, 2, 3, 4, 5, 6}}, {b, []float64{10, 20, 30}}} {
		if err := SetValues(in.n, in.vals); err != nil {
			t.Fatal(err)
		}
	}
	scaled, err := ScaleRows(w, v)
	if err != nil {
		t.Fatal(err)
	}
	biased, err := AddBias(v, b)
	if err != nil {
		t.Fatal(err)
	}
	got := runAll(t, s, scaled, biased)
	if want := []float64{2, 4, 6, -4, -5, -6}; !closeTo(got[0], want, 0) {
		t.Errorf("scale rows = %v, want %v", got[0], want)
	}
	if want := []float64{11, 22, 33, 14, 25, 36}; !closeTo(got[1], want, 0) {
		t.Errorf("add bias = %v, want %v", got[1], want)
	}
}
