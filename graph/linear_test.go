package graph

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestLinearGradient(t *testing.T) {
	cases := []struct {
		name           string
		batch, in, out int
		bias           bool
	}{
		{"with bias", 3, 4, 2, true},
		{"without bias", 2, 3, 3, false},
		{"one output", 4, 2, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			s := newScope64(t)
			var bias Init
			if c.bias {
				bias = Normal(0.5)
			}
			l, err := NewLinear("lin", c.in, c.out, tensor.Float64, rng, LeCunNormal, bias)
			if err != nil {
				t.Fatal(err)
			}
			x := randomParam(t, "x", rng, 1, c.batch, c.in)
			xn, err := s.Param(x)
			if err != nil {
				t.Fatal(err)
			}
			y, err := l.Forward(s, xn, "lin")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := y.Shape(), (tensor.Shape{c.batch, c.out}); !got.Eq(want) {
				t.Fatalf("output shape %v, want %v", got, want)
			}
			gradCheck(t, s, projectCost(t, s, y, rng), append([]Param{x}, l.Params()...))
		})
	}
}

func TestLinearKnownValues(t *testing.T) {
	s := newScope64(t)
	l, err := NewLinear("lin", 2, 2, tensor.Float64, rand.New(rand.NewPCG(1, 1)), Zeros, Zeros)
	if err != nil {
		t.Fatal(err)
	}
	copy(l.W.Value.Float64s(), []float64{1, 2, 3, 4}) // rows are inputs
	copy(l.B.Value.Float64s(), []float64{0.5, -1})
	x := s.Input("x", 2, 2)
	if err := SetValues(x, []float64{1, 0, 1, 1}); err != nil {
		t.Fatal(err)
	}
	y, err := l.Forward(s, x, "lin")
	if err != nil {
		t.Fatal(err)
	}
	got := runAll(t, s, y)[0]
	// [1 0]·W = [1 2]; [1 1]·W = [4 6]; plus b.
	want := []float64{1.5, 1, 4.5, 5}
	if !closeTo(got, want, 1e-12) {
		t.Errorf("y = %v, want %v", got, want)
	}
}

func TestBuildersRejectWrongShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := newScope64(t)
	l, err := NewLinear("lin", 3, 2, tensor.Float64, rng, LeCunNormal, Zeros)
	if err != nil {
		t.Fatal(err)
	}
	cell, err := NewGRU("gru", 3, 4, tensor.Float64, rng)
	if err != nil {
		t.Fatal(err)
	}
	plr, err := NewPLR("plr", 3, 2, 2, 0.1, tensor.Float64, rng)
	if err != nil {
		t.Fatal(err)
	}

	x := s.Input("x", 5, 3)
	wide := s.Input("wide", 5, 4)
	h := s.Input("h", 5, 4)
	short := s.Input("short", 4, 4)
	vec := s.Input("vec", 5)
	col := s.Input("col", 5, 1)

	cases := []struct {
		name  string
		block string
		err   func() error
	}{
		{"linear wide input", "linear lin", func() error { _, err := l.Forward(s, wide, "lin"); return err }},
		{"linear vector", "linear lin", func() error { _, err := l.Forward(s, vec, "lin"); return err }},
		{"gru wide input", "gru gru", func() error { _, err := cell.Step(s, wide, h, "gru"); return err }},
		{"gru state rows", "gru gru", func() error { _, err := cell.Step(s, x, short, "gru"); return err }},
		{"plr wide input", "plr plr", func() error { _, err := plr.Forward(s, wide, "plr"); return err }},
		{"squared error wide", "squared error", func() error { _, err := SquaredError(s, "se", wide, col); return err }},
		{"masked mean rows", "masked mean", func() error { _, err := MaskedMean(s, "mm", col, s.Input("m4", 4, 1)); return err }},
		{"add bias rows", "add bias", func() error { _, err := AddBias(x, s.Input("b2", 2, 3)); return err }},
		{"scale rows width", "scale rows", func() error { _, err := ScaleRows(h, x); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); len(got) < len(c.block) || got[:len(c.block)] != c.block {
				t.Errorf("error %q does not start with the block %q", got, c.block)
			}
		})
	}
}

func TestNewBlocksRejectBadSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewLinear("l", 0, 2, tensor.Float64, rng, Zeros, nil); err == nil {
		t.Error("linear with 0 inputs: no error")
	}
	if _, err := NewGRU("g", 2, 0, tensor.Float64, rng); err == nil {
		t.Error("gru with 0 units: no error")
	}
	if _, err := NewPLR("p", 2, 2, 2, 0, tensor.Float64, rng); err == nil {
		t.Error("plr with sigma 0: no error")
	}
	if _, err := NewParam("p", tensor.Int, []int{2}, 1, Zeros, rng); err == nil {
		t.Error("int parameter: no error")
	}
	if _, err := NewScope(tensor.Int); err == nil {
		t.Error("int scope: no error")
	}
}

func TestScopeSharesParamNodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := newScope64(t)
	p := randomParam(t, "w", rng, 1, 2, 2)
	a, err := s.Param(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Param(p)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("one parameter gave two nodes")
	}
	if a.Value() != G.Value(p.Value) {
		t.Error("the node is not bound to the parameter's tensor")
	}
	other := randomParam(t, "w", rng, 1, 2, 2)
	if _, err := s.Param(other); err == nil {
		t.Error("two tensors under one name: no error")
	}
	s32, err := NewScope(tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s32.Param(p); err == nil {
		t.Error("float64 parameter in a float32 graph: no error")
	}
}
