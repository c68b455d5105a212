package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// logit returns the pre-activation whose sigmoid is p.
func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// haltingLogits adds K−1 logit inputs (B,1) holding the logits of probs,
// where probs[n][b] is row b's halting probability at step n+1.
func haltingLogits(t *testing.T, s *Scope, probs [][]float64) []*G.Node {
	t.Helper()
	out := make([]*G.Node, len(probs))
	for n, col := range probs {
		out[n] = s.Input("logit"+string(rune('1'+n)), len(col), 1)
		l := make([]float64, len(col))
		for i, p := range col {
			l[i] = logit(p)
		}
		if err := SetValues(out[n], l); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// runAll runs the scope's graph once and returns the values of nodes, read
// through Keep copies.
func runAll(t *testing.T, s *Scope, nodes ...*G.Node) [][]float64 {
	t.Helper()
	kept := make([]*G.Node, len(nodes))
	for i, n := range nodes {
		k, err := Keep(n, "test/keep"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		kept[i] = k
	}
	vm := G.NewTapeMachine(s.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(kept))
	for i, k := range kept {
		out[i] = Values(k)
	}
	return out
}

func closeTo(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			return false
		}
	}
	return true
}

func TestACTKnownValues(t *testing.T) {
	// Three rows over K = 3 steps with ε = 0.01:
	//   row 0: h = 0.6, 0.5   → c_2 = 1.1 ≥ 0.99, halts at 2: p = 0.6, 0.4, 0
	//   row 1: h = 0.2, 0.3   → never reaches 0.99, halts at 3: p = 0.2, 0.3, 0.5
	//   row 2: h = 0.995, 0.5 → c_1 ≥ 0.99, halts at 1: p = 1, 0, 0
	for _, dtype := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dtype.String(), func(t *testing.T) {
			s, err := NewScope(dtype)
			if err != nil {
				t.Fatal(err)
			}
			logits := haltingLogits(t, s, [][]float64{{0.6, 0.2, 0.995}, {0.5, 0.3, 0.5}})
			act, err := NewACT(s, "act", logits, 0.01)
			if err != nil {
				t.Fatal(err)
			}
			got := runAll(t, s, act.Weights[0], act.Weights[1], act.Weights[2], act.Steps, act.Remainder, act.Cost)
			want := [][]float64{
				{0.6, 0.2, 1}, {0.4, 0.3, 0}, {0, 0.5, 0},
				{2, 3, 1}, {0.4, 0.5, 1}, {2.4, 3.5, 2},
			}
			names := []string{"p1", "p2", "p3", "steps", "remainder", "cost"}
			for i := range want {
				if !closeTo(got[i], want[i], 1e-6) {
					t.Errorf("%s = %v, want %v", names[i], got[i], want[i])
				}
			}
		})
	}
}

func TestPonderNetKnownValues(t *testing.T) {
	// One row, K = 3, λ = 0.5, 0.25: p = 0.5, 0.5·0.25, 0.5·0.75.
	s := newScope64(t)
	logits := haltingLogits(t, s, [][]float64{{0.5}, {0.25}})
	prior := 0.2
	pn, err := NewPonderNet(s, "ponder", logits, prior)
	if err != nil {
		t.Fatal(err)
	}
	got := runAll(t, s, pn.Weights[0], pn.Weights[1], pn.Weights[2], pn.Steps, pn.KL)
	p := []float64{0.5, 0.125, 0.375}
	// g ∝ 0.2, 0.16, 0.128, normalised by their sum 0.488.
	g := []float64{0.2 / 0.488, 0.16 / 0.488, 0.128 / 0.488}
	kl := 0.0
	for i := range p {
		kl += p[i] * (math.Log(p[i]+ponderLogFloor) - math.Log(g[i]))
	}
	want := [][]float64{{p[0]}, {p[1]}, {p[2]}, {0.5 + 2*0.125 + 3*0.375}, {kl}}
	names := []string{"p1", "p2", "p3", "steps", "kl"}
	for i := range want {
		if !closeTo(got[i], want[i], 1e-12) {
			t.Errorf("%s = %v, want %v", names[i], got[i], want[i])
		}
	}
}

// haltingCase is a halting unit under gradient check: logits and per-step
// values are parameters, and the cost mixes the values with the weights
// and adds the ponder cost or KL.
type haltingCase struct {
	name  string
	probs [][]float64 // probs[n][b]: halting probability at step n+1
	width int         // columns of each step's value
}

func haltingParams(t *testing.T, c haltingCase, rng *rand.Rand) (logits, values []Param) {
	t.Helper()
	rows := len(c.probs[0])
	for n, col := range c.probs {
		p := randomParam(t, "logit"+string(rune('1'+n)), rng, 1, rows, 1)
		for i, pr := range col {
			p.Value.Float64s()[i] = logit(pr)
		}
		logits = append(logits, p)
	}
	for n := range len(c.probs) + 1 {
		values = append(values, randomParam(t, "value"+string(rune('1'+n)), rng, 1, rows, c.width))
	}
	return logits, values
}

func nodesOf(t *testing.T, s *Scope, params []Param) []*G.Node {
	t.Helper()
	out := make([]*G.Node, len(params))
	for i, p := range params {
		n, err := s.Param(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = n
	}
	return out
}

// halting cases keep every running sum at least 0.05 away from the
// threshold, far more than the finite-difference step moves it.
var haltingCases = []haltingCase{
	{"all halt at the last step", [][]float64{{0.1, 0.2}, {0.3, 0.25}}, 1},
	{"mixed halting steps", [][]float64{{0.6, 0.2, 0.3, 0.7}, {0.5, 0.3, 0.2, 0.1}, {0.4, 0.2, 0.9, 0.5}}, 3},
}

func TestACTGradient(t *testing.T) {
	for _, c := range haltingCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			s := newScope64(t)
			logits, values := haltingParams(t, c, rng)
			act, err := NewACT(s, "act", nodesOf(t, s, logits), 0.01)
			if err != nil {
				t.Fatal(err)
			}
			mixed, err := Mix(s, "mix", act.Weights, nodesOf(t, s, values))
			if err != nil {
				t.Fatal(err)
			}
			cost, err := G.Add(projectCost(t, s, mixed, rng), projectCost(t, s, act.Cost, rng))
			if err != nil {
				t.Fatal(err)
			}
			worst := gradCheck(t, s, cost, append(logits, values...))
			t.Logf("largest relative error %.2g", worst)
		})
	}
}

func TestPonderNetGradient(t *testing.T) {
	for _, c := range haltingCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			s := newScope64(t)
			logits, values := haltingParams(t, c, rng)
			pn, err := NewPonderNet(s, "ponder", nodesOf(t, s, logits), 0.2)
			if err != nil {
				t.Fatal(err)
			}
			mixed, err := Mix(s, "mix", pn.Weights, nodesOf(t, s, values))
			if err != nil {
				t.Fatal(err)
			}
			parts := []*G.Node{projectCost(t, s, mixed, rng), projectCost(t, s, pn.KL, rng), projectCost(t, s, pn.Steps, rng)}
			cost, err := G.Add(parts[0], parts[1])
			if err != nil {
				t.Fatal(err)
			}
			if cost, err = G.Add(cost, parts[2]); err != nil {
				t.Fatal(err)
			}
			worst := gradCheck(t, s, cost, append(logits, values...))
			t.Logf("largest relative error %.2g", worst)
		})
	}
}

func TestHaltingRejectsBadInput(t *testing.T) {
	s := newScope64(t)
	wide := s.Input("wide", 3, 2)
	col := s.Input("col", 3, 1)
	short := s.Input("short", 2, 1)
	cases := []struct {
		name string
		err  func() error
	}{
		{"act without logits", func() error { _, err := NewACT(s, "a", nil, 0.01); return err }},
		{"act wide logit", func() error { _, err := NewACT(s, "a", []*G.Node{wide}, 0.01); return err }},
		{"act rows differ", func() error { _, err := NewACT(s, "a", []*G.Node{col, short}, 0.01); return err }},
		{"act epsilon 1", func() error { _, err := NewACT(s, "a", []*G.Node{col}, 1); return err }},
		{"ponder prior 0", func() error { _, err := NewPonderNet(s, "p", []*G.Node{col}, 0); return err }},
		{"ponder prior 1", func() error { _, err := NewPonderNet(s, "p", []*G.Node{col}, 1); return err }},
		{"mix counts differ", func() error { _, err := Mix(s, "m", []*G.Node{col}, nil); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.err(); err == nil {
				t.Error("no error")
			}
		})
	}
}
