package model

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
)

// benchFeatures is the feature count of the bundled California split after
// encoding: 8 numeric columns, a missing-value indicator and 5 categories.
const benchFeatures = 14

// BenchmarkTrainStep times one forward and backward pass of a minibatch
// with the default model (hidden 128, N = T = 2), the unit of training work.
// It reports samples per second and useful GFLOP/s: the forward graph's
// matrix-product FLOPs (2·in·out per row per product) times 3 for the
// forward pass and the two products of each backward step.
func BenchmarkTrainStep(b *testing.B) {
	for _, halting := range []string{HaltingNone, HaltingACT} {
		for _, machine := range []string{"compiled", "full"} {
			b.Run(fmt.Sprintf("batch=512/halting=%s/machine=%s", halting, machine), func(b *testing.B) {
				benchTrainStep(b, 512, halting, machine == "compiled")
			})
		}
	}
}

func benchTrainStep(b *testing.B, batch int, halting string, compiled bool) {
	cfg := DefaultConfig()
	cfg.Halting = halting
	features := make([]string, benchFeatures)
	for i := range features {
		features[i] = fmt.Sprintf("f%d", i+1)
	}
	m, err := New(cfg, features, 1)
	if err != nil {
		b.Fatal(err)
	}
	tg, err := m.BuildTrain(batch)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, batch*benchFeatures)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]float64, batch)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	if err := graph.SetValues(tg.X, x); err != nil {
		b.Fatal(err)
	}
	if err := graph.SetValues(tg.Y, y); err != nil {
		b.Fatal(err)
	}
	var vm G.VM
	if compiled {
		if vm, err = tg.NewMachine(); err != nil {
			b.Fatal(err)
		}
	} else {
		vm = G.NewTapeMachine(tg.Graph)
	}
	defer vm.Close()
	ig, err := m.BuildInference(batch)
	if err != nil {
		b.Fatal(err)
	}
	flopsPerRow := graph.MatMulFLOPs(ig.Graph) / float64(batch)

	b.ResetTimer()
	for range b.N {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
	rows := float64(batch) * float64(b.N)
	seconds := b.Elapsed().Seconds()
	b.ReportMetric(rows/seconds, "samples/s")
	b.ReportMetric(3*flopsPerRow*rows/seconds/1e9, "GFLOP/s")
}
