package baselines

import (
	"context"
	"fmt"
	"testing"
)

// The synthetic benchmarks use 13 uniform features, about as many as
// California Housing has after encoding. Uniform values are all distinct,
// which is the slow case for exact splits.

func BenchmarkFitForest(b *testing.B) {
	for _, rows := range []int{2000, 16000} {
		x, y := synthetic(rows, 13, 0.3, 1)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("rows=%d/threads=%d", rows, threads), func(b *testing.B) {
				cfg := DefaultForestConfig()
				cfg.Trees = 20
				cfg.Threads = threads
				for b.Loop() {
					if _, err := FitForest(context.Background(), x, y, cfg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkFitGBM(b *testing.B) {
	for _, rows := range []int{2000, 16000, 64000} {
		x, y := synthetic(rows, 13, 0.3, 2)
		for _, splitter := range []Splitter{SplitterHist, SplitterExact} {
			if splitter == SplitterExact && rows > 16000 {
				continue
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/rows=%d/threads=%d", splitter, rows, threads), func(b *testing.B) {
					cfg := DefaultGBMConfig()
					cfg.Splitter = splitter
					cfg.Trees = 100
					cfg.EarlyStoppingRounds = 0
					cfg.Threads = threads
					for b.Loop() {
						if _, err := FitGBM(context.Background(), x, y, cfg, nil); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkPredict(b *testing.B) {
	x, y := synthetic(16000, 13, 0.3, 3)
	xq, _ := synthetic(1000, 13, 0.3, 4)
	fcfg := DefaultForestConfig()
	forest, err := FitForest(context.Background(), x, y, fcfg)
	if err != nil {
		b.Fatal(err)
	}
	gcfg := DefaultGBMConfig()
	gcfg.Trees = 500
	gcfg.EarlyStoppingRounds = 0
	gbm, err := FitGBM(context.Background(), x, y, gcfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float64, xq.Rows)
	for _, m := range []Regressor{forest, gbm} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/rows=1000/threads=%d", m.Kind(), threads), func(b *testing.B) {
				for b.Loop() {
					PredictParallel(m, xq, out, threads)
				}
			})
		}
	}
}

// BenchmarkCalifornia fits the three configurations that docs/benchmarks.md
// reports on the bundled California Housing split.
func BenchmarkCalifornia(b *testing.B) {
	d := loadBundled(b, "california-housing", "median_house_value")
	valid := &EvalSet{X: d.valid.X, Y: d.validY}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("forest/threads=%d", threads), func(b *testing.B) {
			cfg := DefaultForestConfig()
			cfg.Threads = threads
			for b.Loop() {
				if _, err := FitForest(context.Background(), d.train.X, d.trainY, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, c := range []struct {
			name  string
			cfg   GBMConfig
			valid *EvalSet
		}{{"gbm-sklearn", SklearnGBMConfig(), nil}, {"gbm-default", DefaultGBMConfig(), valid}} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(b *testing.B) {
				cfg := c.cfg
				cfg.Threads = threads
				for b.Loop() {
					if _, err := FitGBM(context.Background(), d.train.X, d.trainY, cfg, c.valid); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
