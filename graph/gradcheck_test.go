package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/hrmg/hrmg/graph/gradcheck"
)

// gradCheck fails the test unless checkGradients passes, and returns the
// largest relative error seen.
func gradCheck(t *testing.T, s *Scope, cost *G.Node, params []Param) float64 {
	t.Helper()
	worst, err := checkGradients(s, cost, params)
	if err != nil {
		t.Fatal(err)
	}
	return worst
}

// checkGradients compares the gradient of cost with respect to every entry
// of every param against central finite differences with gradcheck.Compare,
// and returns the largest relative error seen.
func checkGradients(s *Scope, cost *G.Node, params []Param) (float64, error) {
	wrts := make(G.Nodes, len(params))
	for i, p := range params {
		n, err := s.Param(p)
		if err != nil {
			return 0, err
		}
		wrts[i] = n
	}
	grads, err := G.Grad(cost, wrts...)
	if err != nil {
		return 0, fmt.Errorf("grad: %w", err)
	}
	kept, err := Keep(cost, "check/cost")
	if err != nil {
		return 0, err
	}
	vm := G.NewTapeMachine(s.Graph())
	defer vm.Close()
	run := func() (float64, error) {
		defer vm.Reset()
		if err := vm.RunAll(); err != nil {
			return 0, fmt.Errorf("run: %w", err)
		}
		return Scalar(kept), nil
	}

	if err := vm.RunAll(); err != nil {
		return 0, fmt.Errorf("run: %w", err)
	}
	analytic := make([][]float64, len(grads))
	for i, g := range grads {
		analytic[i] = Values(g)
	}
	vm.Reset()

	checked := make([]gradcheck.Param, len(params))
	for i, p := range params {
		values, ok := p.Value.Data().([]float64)
		if !ok {
			return 0, fmt.Errorf("%s is %v, want float64", p.Name, p.Value.Dtype())
		}
		checked[i] = gradcheck.Param{Name: p.Name, Values: values}
	}
	res, err := gradcheck.Compare(checked, analytic, run)
	return res.Worst, err
}

// randomParam returns a float64 parameter of normal values with the given
// standard deviation.
func randomParam(t *testing.T, name string, rng *rand.Rand, std float64, shape ...int) Param {
	t.Helper()
	p, err := NewParam(name, tensor.Float64, shape, 1, Normal(std), rng)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// projectCost adds Σ (y ⊙ R) for a fixed random R, a scalar cost whose
// gradient with respect to y is R, so every output entry is checked with a
// different weight.
func projectCost(t *testing.T, s *Scope, y *G.Node, rng *rand.Rand) *G.Node {
	t.Helper()
	shape := y.Shape()
	r := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	for i := range r.Float64s() {
		r.Float64s()[i] = rng.NormFloat64()
	}
	// Gorgonia merges constants by name, so each R gets its own.
	c := G.NewConstant(r, G.WithName(fmt.Sprintf("check/R%v#%x", shape, rng.Uint64())))
	prod, err := G.HadamardProd(y, c)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// newScope64 returns a float64 scope.
func newScope64(t *testing.T) *Scope {
	t.Helper()
	s, err := NewScope(tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGradientCheckCatchesReshapeAliasing shows that the checker fails on a
// wrong gradient: in Gorgonia v0.9.18, Reshape after a sigmoid shares the
// sigmoid's memory, a later in-place op overwrites it, and the backward pass
// reads the overwritten values. The builders in this package use no Reshape
// for this reason.
func TestGradientCheckCatchesReshapeAliasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := newScope64(t)
	z := randomParam(t, "z", rng, 1, 4, 1)
	zn, err := s.Param(z)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := G.Sigmoid(zn)
	if err != nil {
		t.Fatal(err)
	}
	flat, err := G.Reshape(sig, tensor.Shape{4})
	if err != nil {
		t.Fatal(err)
	}
	sq, err := G.Square(flat)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Mean(sq)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkGradients(s, cost, []Param{z}); err == nil {
		t.Fatal("the gradient check passed a graph whose gradient Gorgonia computes wrongly")
	}
}
