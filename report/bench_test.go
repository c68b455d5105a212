package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hrmg/hrmg/metrics"
)

// benchReport returns a report of one split with rows test rows, an HRM
// with ponder steps and a 40-epoch history, and a random forest with 64
// feature importances, the shape of a comparison on satellite-embedding
// data.
func benchReport(b *testing.B, rows int) *Report {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &Split{ID: "random", Name: "random split", Rows: [3]int{8 * rows, rows, rows}}
	for range rows {
		s.Lat = append(s.Lat, 33+4*rng.Float64())
		s.Lon = append(s.Lon, -85+4*rng.Float64())
		s.Truth = append(s.Truth, 5+2*rng.NormFloat64())
	}
	run := func(hrm bool) Run {
		r := Run{Seed: 1, File: "random/m.hrmg", FitSeconds: 1, PredictMs: 1}
		for i, y := range s.Truth {
			r.Pred = append(r.Pred, y+rng.NormFloat64())
			if hrm {
				r.Steps = append(r.Steps, float64(1+i%8))
			}
		}
		score, err := metrics.Score(s.Truth, r.Pred)
		if err != nil {
			b.Fatal(err)
		}
		r.Test = score
		if hrm {
			for e := 1; e <= 40; e++ {
				r.History = append(r.History, Epoch{Epoch: e, TrainLoss: 1 / float64(e), ValidRMSE: 1 + 1/float64(e)})
			}
		}
		return r
	}
	forest := &Model{Name: "random forest", Key: "random-forest", Runs: []Run{run(false)}, PermutationRepeats: 5}
	for f := range 64 {
		forest.Importance = append(forest.Importance, Importance{Feature: fmt.Sprintf("A%02d", f), Impurity: 1.0 / 64, PermutationMean: rng.Float64() / 10, PermutationStd: 0.01})
	}
	s.Models = []*Model{{Name: "HRM", Key: "hrm", Runs: []Run{run(true)}}, forest}
	return &Report{Created: time.Now(), Target: "y", Seeds: []uint64{1}, Splits: []*Split{s}}
}

// BenchmarkWrite times drawing every figure and writing the report files.
func BenchmarkWrite(b *testing.B) {
	for _, rows := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			r := benchReport(b, rows)
			dir := b.TempDir()
			for b.Loop() {
				r.Splits[0].Notes = nil
				if _, err := Write(context.Background(), dir, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
