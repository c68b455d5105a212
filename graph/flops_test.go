package graph

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

func TestMatMulFLOPs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := newScope64(t)
	plr, err := NewPLR("plr", 3, 2, 4, 0.1, tensor.Float64, rng)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLinear("lin", plr.OutputSize(), 5, tensor.Float64, rng, LeCunNormal, Zeros)
	if err != nil {
		t.Fatal(err)
	}
	x := s.Input("x", 7, 3)
	e, err := plr.Forward(s, x, "plr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Forward(s, e, "lin"); err != nil {
		t.Fatal(err)
	}
	// Per-feature layer: 2·B·F·(2K)·D; dense layer: 2·B·(F·D)·5.
	want := 2.0*7*3*4*4 + 2.0*7*12*5
	if got := MatMulFLOPs(s.Graph()); got != want {
		t.Errorf("MatMulFLOPs = %v, want %v", got, want)
	}
}
