package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkGRUStep times the forward and backward pass of two GRU steps in
// float32 and reports values per second, batch × hidden × steps per pass.
// It compares the GRU type (two products of width 3H and the fused op)
// with the same cell built from six products and Gorgonia's own
// elementwise ops.
func BenchmarkGRUStep(b *testing.B) {
	for _, batch := range []int{64, 512} {
		for _, fused := range []bool{true, false} {
			name := fmt.Sprintf("batch=%d/hidden=128/fused=%t", batch, fused)
			b.Run(name, func(b *testing.B) { benchGRU(b, batch, 128, fused) })
		}
	}
}

func benchGRU(b *testing.B, batch, hidden int, fused bool) {
	const steps = 2
	rng := rand.New(rand.NewPCG(1, 2))
	s, err := NewScope(tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	cell, err := NewGRU("gru", hidden, hidden, tensor.Float32, rng)
	if err != nil {
		b.Fatal(err)
	}
	x := s.Input("x", batch, hidden)
	values := make([]float64, batch*hidden)
	for i := range values {
		values[i] = rng.NormFloat64()
	}
	if err := SetValues(x, values); err != nil {
		b.Fatal(err)
	}

	h := s.Input("h", batch, hidden)
	ref := newReferenceGRU(b, cell)
	params := cell.Params()
	if !fused {
		params = ref.params()
	}
	for i := range steps {
		if !fused {
			h = ref.step(b, s, x, h)
			continue
		}
		if h, err = cell.Step(s, x, h, fmt.Sprintf("gru/t%d", i+1)); err != nil {
			b.Fatal(err)
		}
	}

	sq, err := G.Square(h)
	if err != nil {
		b.Fatal(err)
	}
	cost, err := G.Sum(sq)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Grad(cost, params); err != nil {
		b.Fatal(err)
	}

	vm := G.NewTapeMachine(s.Graph())
	defer vm.Close()
	b.ResetTimer()
	for range b.N {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
	b.ReportMetric(float64(b.N*batch*hidden*steps)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
