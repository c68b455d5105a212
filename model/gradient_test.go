package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
	"github.com/hrmg/hrmg/graph/gradcheck"
)

// smallConfig returns a float64 model small enough to check every gradient
// entry by finite differences.
func smallConfig(input, halting string) Config {
	cfg := DefaultConfig()
	cfg.Hidden = 4
	cfg.Cycles = 2
	cfg.Steps = 2
	cfg.MaxCycles = 3
	cfg.Input = input
	cfg.PLRFrequencies = 2
	cfg.PLRDim = 2
	cfg.PLRSigma = 0.3
	cfg.Halting = halting
	cfg.DType = DTypeFloat64
	return cfg
}

// fillBatch writes random features, targets and initial states into tg,
// with the last row marked as padding.
func fillBatch(t *testing.T, tg *TrainGraph, features, hidden int, rng *rand.Rand) {
	t.Helper()
	normal := func(n int, std float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * std
		}
		return v
	}
	mask := ones(tg.Batch)
	mask[tg.Batch-1] = 0
	inputs := []struct {
		n *G.Node
		v []float64
	}{
		{tg.X, normal(tg.Batch*features, 1)},
		{tg.Y, normal(tg.Batch, 1)},
		{tg.Mask, mask},
		{tg.ZH0, normal(tg.Batch*hidden, 0.5)},
		{tg.ZL0, normal(tg.Batch*hidden, 0.5)},
	}
	for _, in := range inputs {
		if err := graph.SetValues(in.n, in.v); err != nil {
			t.Fatal(err)
		}
	}
	if tg.Tau != nil {
		if err := graph.SetValues(tg.Tau, []float64{0.1}); err != nil {
			t.Fatal(err)
		}
	}
}

// randomizeHalting gives the halting unit random weights and a bias that
// halts some rows before the last cycle, so that every ACT branch runs.
func randomizeHalting(m *HRM, rng *rand.Rand) {
	if m.halt == nil {
		return
	}
	for i := range m.halt.W.Value.Float64s() {
		m.halt.W.Value.Float64s()[i] = rng.NormFloat64()
	}
	m.halt.B.Value.Float64s()[0] = 0.3
}

func TestModelGradient(t *testing.T) {
	for _, halting := range []string{HaltingNone, HaltingACT, HaltingPonder} {
		for _, input := range []string{InputLinear, InputPLR} {
			t.Run(halting+"/"+input, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, 12))
				cfg := smallConfig(input, halting)
				features := []string{"a", "b", "c"}
				m, err := New(cfg, features, 3)
				if err != nil {
					t.Fatal(err)
				}
				randomizeHalting(m, rng)
				tg, err := m.BuildTrain(4)
				if err != nil {
					t.Fatal(err)
				}
				fillBatch(t, tg, len(features), cfg.Hidden, rng)
				vm, err := tg.NewMachine()
				if err != nil {
					t.Fatal(err)
				}
				defer vm.Close()

				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				analytic := make([][]float64, len(tg.Grads))
				for i, g := range tg.Grads {
					analytic[i] = graph.Values(g)
				}
				vm.Reset()
				params := m.Params()
				checked := make([]gradcheck.Param, len(params))
				for i, p := range params {
					checked[i] = gradcheck.Param{Name: p.Name, Values: p.Value.Float64s()}
				}
				res, err := gradcheck.Compare(checked, analytic, func() (float64, error) {
					defer vm.Reset()
					if err := vm.RunAll(); err != nil {
						return 0, err
					}
					return graph.Scalar(tg.Loss), nil
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d entries, largest relative error %.2g", res.Entries, res.Worst)
			})
		}
	}
}

// TestNoReshapeInGraphs guards against the Gorgonia v0.9.18 pitfall where a
// Reshape shares memory with its input and a later in-place op corrupts the
// values the backward pass reads: the halting units must keep (B,1) shapes.
func TestNoReshapeInGraphs(t *testing.T) {
	for _, halting := range []string{HaltingNone, HaltingACT, HaltingPonder} {
		for _, input := range []string{InputLinear, InputPLR} {
			t.Run(halting+"/"+input, func(t *testing.T) {
				m, err := New(smallConfig(input, halting), []string{"a", "b"}, 1)
				if err != nil {
					t.Fatal(err)
				}
				tg, err := m.BuildTrain(3)
				if err != nil {
					t.Fatal(err)
				}
				ig, err := m.BuildInference(3)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range []*G.ExprGraph{tg.Graph, ig.Graph} {
					for _, n := range g.AllNodes() {
						if op := n.Op(); op != nil && strings.HasPrefix(fmt.Sprint(op), "Reshape") {
							t.Errorf("node %s is a Reshape", n.Name())
						}
					}
				}
			})
		}
	}
}
