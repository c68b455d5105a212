package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gruCase is a GRU of a given size run for some steps on random x and h0,
// both parameters so that their gradients are checked too.
type gruCase struct {
	name           string
	batch, in, hid int
	steps          int
}

// setup returns a cell with random biases and the x and h0 parameters.
func (c gruCase) setup(t *testing.T, rng *rand.Rand, dtype tensor.Dtype) (*GRU, Param, Param) {
	t.Helper()
	cell, err := NewGRU("gru", c.in, c.hid, dtype, rng)
	if err != nil {
		t.Fatal(err)
	}
	// Biases start at zero; random ones exercise every bias path.
	for _, p := range []Param{cell.B, cell.BHN} {
		switch d := p.Value.Data().(type) {
		case []float64:
			for i := range d {
				d[i] = rng.NormFloat64() * 0.5
			}
		case []float32:
			for i := range d {
				d[i] = float32(rng.NormFloat64() * 0.5)
			}
		}
	}
	x, err := NewParam("x", dtype, []int{c.batch, c.in}, 1, Normal(1), rng)
	if err != nil {
		t.Fatal(err)
	}
	h0, err := NewParam("h0", dtype, []int{c.batch, c.hid}, 1, Normal(0.5), rng)
	if err != nil {
		t.Fatal(err)
	}
	return cell, x, h0
}

// fused adds c.steps fused steps and returns the last state.
func (c gruCase) fused(t *testing.T, s *Scope, cell *GRU, x, h0 Param) *G.Node {
	t.Helper()
	n := nodesOf(t, s, []Param{x, h0})
	h := n[1]
	for i := range c.steps {
		var err error
		if h, err = cell.Step(s, n[0], h, fmt.Sprintf("gru/t%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestGRUGradient(t *testing.T) {
	cases := []gruCase{
		{"one step", 3, 4, 5, 1},
		{"two steps", 2, 3, 4, 2},
		{"one row", 1, 2, 3, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			s := newScope64(t)
			cell, x, h0 := c.setup(t, rng, tensor.Float64)
			h := c.fused(t, s, cell, x, h0)
			worst := gradCheck(t, s, projectCost(t, s, h, rng), append([]Param{x, h0}, cell.Params()...))
			t.Logf("largest relative error %.2g", worst)
		})
	}
}

// referenceGRU is the same cell built from Gorgonia's own ops on separate
// per-gate weights, copied out of a packed GRU: an independent
// implementation to check the fused op against, and the baseline of its
// benchmark.
type referenceGRU struct {
	w, u, b [3]Param // r, z, n blocks
	bhn     Param
}

// columns copies columns [from, to) of a matrix parameter.
func columns(t testing.TB, p Param, name string, from, to int) Param {
	t.Helper()
	rows := p.Value.Shape()[0]
	out, err := NewParam(name, p.Value.Dtype(), []int{rows, to - from}, 1, Zeros, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		for j := from; j < to; j++ {
			v, err := p.Value.At(i, j)
			if err != nil {
				t.Fatal(err)
			}
			if err := out.Value.SetAt(v, i, j-from); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func newReferenceGRU(t testing.TB, c *GRU) *referenceGRU {
	t.Helper()
	h := c.hidden
	r := &referenceGRU{bhn: c.BHN}
	for g, gate := range []string{"r", "z", "n"} {
		r.w[g] = columns(t, c.W, "ref/W"+gate, g*h, (g+1)*h)
		r.u[g] = columns(t, c.U, "ref/U"+gate, g*h, (g+1)*h)
		r.b[g] = columns(t, c.B, "ref/b"+gate, g*h, (g+1)*h)
	}
	return r
}

func (r *referenceGRU) params() []Param {
	return []Param{r.w[0], r.w[1], r.w[2], r.u[0], r.u[1], r.u[2], r.b[0], r.b[1], r.b[2], r.bhn}
}

// step adds h' = (1 − z) ⊙ n + z ⊙ h with Gorgonia's ops.
func (r *referenceGRU) step(t testing.TB, s *Scope, x, h *G.Node) *G.Node {
	t.Helper()
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	node := func(p Param) *G.Node { return must(s.Param(p)) }
	pre := func(g int) (*G.Node, *G.Node) { // x·W_g + b_g, h·U_g
		xw := must(G.Mul(x, node(r.w[g])))
		return must(AddBias(xw, node(r.b[g]))), must(G.Mul(h, node(r.u[g])))
	}
	xr, hr := pre(0)
	xz, hz := pre(1)
	xn, hn := pre(2)
	rg := must(G.Sigmoid(must(G.Add(xr, hr))))
	zg := must(G.Sigmoid(must(G.Add(xz, hz))))
	hnb := must(AddBias(hn, node(r.bhn)))
	n := must(G.Tanh(must(G.Add(xn, must(G.HadamardProd(rg, hnb))))))
	return must(G.Add(n, must(G.HadamardProd(zg, must(G.Sub(h, n))))))
}

func TestGRUFusedMatchesReference(t *testing.T) {
	cases := []gruCase{
		{"three steps", 4, 3, 6, 3},
		// 600×64 values: with two or more CPUs the fused ops split the
		// rows across goroutines.
		{"parallel rows", 600, 5, 64, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkFusedAgainstReference(t, c) })
	}
}

// checkFusedAgainstReference compares the fused cell's output and every
// gradient with the reference cell's.
func checkFusedAgainstReference(t *testing.T, c gruCase) {
	rng := rand.New(rand.NewPCG(5, 6))
	cell, x, h0 := c.setup(t, rng, tensor.Float64)
	ref := newReferenceGRU(t, cell)

	run := func(s *Scope, h *G.Node, params []Param) ([]float64, [][]float64) {
		grads, err := s.Grad(projectCost(t, s, h, rand.New(rand.NewPCG(9, 9))), params)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(s.Graph())
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		out := make([][]float64, len(grads))
		for i, g := range grads {
			out[i] = Values(g)
		}
		return Values(h), out
	}

	sf := newScope64(t)
	fusedOut, fusedGrads := run(sf, c.fused(t, sf, cell, x, h0), append([]Param{x, h0}, cell.Params()...))

	sr := newScope64(t)
	n := nodesOf(t, sr, []Param{x, h0})
	h := n[1]
	for range c.steps {
		h = ref.step(t, sr, n[0], h)
	}
	refOut, refGrads := run(sr, h, append([]Param{x, h0}, ref.params()...))

	for i := range fusedOut {
		if math.Abs(fusedOut[i]-refOut[i]) > 1e-12 {
			t.Fatalf("h'[%d]: fused %v, reference %v", i, fusedOut[i], refOut[i])
		}
	}
	// Compare ∂/∂x and ∂/∂h0 directly and each packed gradient block by
	// block with the reference's per-gate gradients.
	same := func(what string, a, b []float64) {
		t.Helper()
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-12 {
				t.Fatalf("%s[%d]: fused %v, reference %v", what, i, a[i], b[i])
			}
		}
	}
	same("∂x", fusedGrads[0], refGrads[0])
	same("∂h0", fusedGrads[1], refGrads[1])
	h3 := 3 * c.hid
	for g := range 3 {
		block := func(packed []float64, rows int) []float64 {
			var out []float64
			for i := range rows {
				out = append(out, packed[i*h3+g*c.hid:i*h3+(g+1)*c.hid]...)
			}
			return out
		}
		same(fmt.Sprintf("∂W block %d", g), block(fusedGrads[2], c.in), refGrads[2+g])
		same(fmt.Sprintf("∂U block %d", g), block(fusedGrads[3], c.hid), refGrads[5+g])
		same(fmt.Sprintf("∂b block %d", g), block(fusedGrads[4], 1), refGrads[8+g])
	}
	same("∂bhn", fusedGrads[5], refGrads[11])
}
