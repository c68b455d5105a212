package baselines

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
)

// plainGBM returns a config whose trees are exact functions of the data:
// all rows and features, no penalty, no early stopping.
func plainGBM(splitter Splitter, trees, depth int, lr float64) GBMConfig {
	c := SklearnGBMConfig()
	c.Splitter = splitter
	c.Trees = trees
	c.MaxDepth = depth
	c.LearningRate = lr
	return c
}

func checkLeaves(t *testing.T, got Tree, wantNodes []Node, wantLeaves []float64) {
	t.Helper()
	if !slices.Equal(got.Nodes, wantNodes) {
		t.Errorf("nodes = %+v, want %+v", got.Nodes, wantNodes)
	}
	if d := firstDiff(got.Leaves, wantLeaves, 1e-12); d != "" {
		t.Errorf("leaves = %v, want %v: %s", got.Leaves, wantLeaves, d)
	}
}

func TestGBMKnownTrees(t *testing.T) {
	stumpNode := []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: -2}}
	x := column(1, 2, 3, 4)
	y := []float64{0, 0, 10, 10}
	for _, splitter := range []Splitter{SplitterExact, SplitterHist} {
		t.Run(string(splitter), func(t *testing.T) {
			m, err := FitGBM(context.Background(), x, y, plainGBM(splitter, 2, 1, 0.1), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Base != 5 {
				t.Errorf("base = %v, want the mean target 5", m.Base)
			}
			if len(m.Trees) != 2 || m.Rounds != 2 {
				t.Fatalf("%d trees in %d rounds, want 2 and 2", len(m.Trees), m.Rounds)
			}
			// Residuals ∓5, then ∓4.5, each leaf scaled by 0.1.
			checkLeaves(t, m.Trees[0], stumpNode, []float64{-0.5, 0.5})
			checkLeaves(t, m.Trees[1], stumpNode, []float64{-0.45, 0.45})
			if d := firstDiff(predict(m, x), []float64{4.05, 4.05, 5.95, 5.95}, 1e-12); d != "" {
				t.Errorf("predictions: %s", d)
			}
		})
	}
}

func TestGBML2ShrinksLeaves(t *testing.T) {
	for _, splitter := range []Splitter{SplitterExact, SplitterHist} {
		t.Run(string(splitter), func(t *testing.T) {
			cfg := plainGBM(splitter, 1, 1, 0.1)
			cfg.L2 = 2
			m, err := FitGBM(context.Background(), column(1, 2, 3, 4), []float64{0, 0, 10, 10}, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A leaf predicts lr · Σresidual / (rows + L2) = 0.1 · 10 / 4.
			checkLeaves(t, m.Trees[0], []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: -2}}, []float64{-0.25, 0.25})
		})
	}
}

func TestGBMMissingValues(t *testing.T) {
	inf := float32(math.Inf(1))
	x := column(1, 2, nan, nan, 3, 4)
	cases := []struct {
		name string
		y    []float64
		want Node
	}{
		{"NaN rows split from the rest", []float64{0, 0, 10, 10, 0, 0}, Node{Feature: 0, Threshold: inf, Left: -1, Right: -2}},
		{"NaN rows go left", []float64{10, 10, 10, 10, 0, 0}, Node{Feature: 0, Threshold: 2.5, Left: -1, Right: -2, MissingLeft: true}},
		{"NaN rows go right", []float64{0, 0, 10, 10, 10, 10}, Node{Feature: 0, Threshold: 2.5, Left: -1, Right: -2}},
	}
	for _, splitter := range []Splitter{SplitterExact, SplitterHist} {
		for _, c := range cases {
			t.Run(string(splitter)+"/"+c.name, func(t *testing.T) {
				m, err := FitGBM(context.Background(), x, c.y, plainGBM(splitter, 1, 1, 1), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := m.Trees[0].Nodes; len(got) != 1 || got[0] != c.want {
					t.Errorf("nodes = %+v, want [%+v]", got, c.want)
				}
				// With learning rate 1 one split fits the two groups exactly.
				if d := firstDiff(predict(m, x), c.y, 1e-9); d != "" {
					t.Errorf("predictions: %s", d)
				}
			})
		}
	}
}

func TestGBMHistMatchesExactOnFewValues(t *testing.T) {
	// With fewer distinct values than bins, every bin boundary is a
	// boundary between two values, so both splitters see the same
	// candidates and build the same trees.
	x, y := synthetic(500, 4, 0.2, 11)
	for i := range x.Data {
		x.Data[i] = float32(math.Round(float64(x.Data[i])*20) / 20)
	}
	exact, err := FitGBM(context.Background(), x, y, plainGBM(SplitterExact, 20, 3, 0.1), nil)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := FitGBM(context.Background(), x, y, plainGBM(SplitterHist, 20, 3, 0.1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(predict(exact, x), predict(hist, x), 1e-9); d != "" {
		t.Errorf("exact and hist predictions differ: %s", d)
	}
}

func TestGBMMaxLeaves(t *testing.T) {
	x, y := synthetic(1000, 4, 0.2, 12)
	cfg := plainGBM(SplitterHist, 5, 0, 0.1)
	cfg.MaxLeaves = 7
	m, err := FitGBM(context.Background(), x, y, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range m.Trees {
		if len(tr.Leaves) != 7 {
			t.Errorf("tree %d has %d leaves, want MaxLeaves 7", i, len(tr.Leaves))
		}
		if err := tr.validate(4); err != nil {
			t.Errorf("tree %d: %v", i, err)
		}
	}
}

func TestGBMMaxDepthAndMinLeaf(t *testing.T) {
	x, y := synthetic(1000, 4, 0.2, 13)
	for _, splitter := range []Splitter{SplitterExact, SplitterHist} {
		t.Run(string(splitter), func(t *testing.T) {
			cfg := plainGBM(splitter, 3, 4, 0.1)
			cfg.MinSamplesLeaf = 30
			m, err := FitGBM(context.Background(), x, y, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, tr := range m.Trees {
				if d := tr.depth(); d > 4 {
					t.Errorf("tree %d has depth %d, more than MaxDepth 4", i, d)
				}
				for leaf, n := range leafCounts(tr, x) {
					if n < 30 {
						t.Errorf("tree %d leaf %d holds %d rows, fewer than MinSamplesLeaf 30", i, leaf, n)
					}
				}
			}
		})
	}
}

func TestGBMEarlyStopping(t *testing.T) {
	// Large steps on noisy data overfit fast, so validation RMSE turns up.
	x, y := synthetic(300, 4, 1, 14)
	xv, yv := synthetic(300, 4, 1, 15)
	cfg := DefaultGBMConfig()
	cfg.LearningRate = 0.5
	cfg.MinSamplesLeaf = 1
	cfg.EarlyStoppingRounds = 5
	cfg.Seed = 1
	m, err := FitGBM(context.Background(), x, y, cfg, &EvalSet{X: xv, Y: yv})
	if err != nil {
		t.Fatal(err)
	}

	best := 0
	for i, v := range m.ValidRMSE {
		if v < m.ValidRMSE[best] {
			best = i
		}
	}

	if m.Rounds == cfg.Trees {
		t.Fatalf("ran all %d rounds; early stopping never triggered", cfg.Trees)
	}
	if len(m.Trees) != best+1 {
		t.Errorf("kept %d trees, want %d (best round %d)", len(m.Trees), best+1, best+1)
	}
	if m.Rounds != best+1+cfg.EarlyStoppingRounds {
		t.Errorf("stopped after %d rounds, want best round %d + patience %d", m.Rounds, best+1, cfg.EarlyStoppingRounds)
	}

	rmse := math.Sqrt(meanSquaredError(predict(m, xv), yv))
	if math.Abs(rmse-m.ValidRMSE[best]) > 1e-9 {
		t.Errorf("validation RMSE of the kept model = %v, want the best round's %v", rmse, m.ValidRMSE[best])
	}
}

func meanSquaredError(pred, y []float64) float64 {
	var ss float64
	for i := range y {
		ss += (pred[i] - y[i]) * (pred[i] - y[i])
	}
	return ss / float64(len(y))
}

func TestGBMBinnedUpdatesMatchPredict(t *testing.T) {
	// During the fit, validation and unsampled rows go through the trees by
	// bin; Predict uses raw values. Scoring the training rows as the
	// validation set checks that both give the same numbers.
	x, y := synthetic(2000, 5, 0.3, 16)
	for r := 0; r < x.Rows; r += 7 {
		x.Data[r*x.Cols+r%x.Cols] = nan
	}
	cfg := DefaultGBMConfig()
	cfg.Trees = 30
	cfg.EarlyStoppingRounds = 0
	cfg.Subsample = 0.5
	m, err := FitGBM(context.Background(), x, y, cfg, &EvalSet{X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	rmse := math.Sqrt(meanSquaredError(predict(m, x), y))
	if last := m.ValidRMSE[len(m.ValidRMSE)-1]; math.Abs(rmse-last) > 1e-9*last {
		t.Errorf("RMSE from Predict = %v, from the fit's binned updates %v", rmse, last)
	}
}

func TestGBMDeterministicAcrossThreads(t *testing.T) {
	// Large enough that histograms are filled on several goroutines and
	// leaves of one level are split at once.
	x, y := synthetic(40000, 4, 0.5, 17)
	xv, yv := synthetic(500, 4, 0.5, 18)
	for _, c := range []struct {
		name string
		cfg  func(*GBMConfig)
	}{
		{"hist all rows", func(c *GBMConfig) { c.Subsample = 1 }},
		{"hist sampled", func(c *GBMConfig) {}},
		{"exact sampled", func(c *GBMConfig) { c.Splitter = SplitterExact; c.Trees = 3 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fit := func(threads int) *GBM {
				cfg := DefaultGBMConfig()
				cfg.Trees = 8
				cfg.Seed = 5
				cfg.Threads = threads
				c.cfg(&cfg)
				m, err := FitGBM(context.Background(), x, y, cfg, &EvalSet{X: xv, Y: yv})
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			one := fit(1)
			for _, threads := range []int{2, 4} {
				other := fit(threads)
				if d := sameTrees(one.Trees, other.Trees); d != "" {
					t.Errorf("threads 1 and %d: %s", threads, d)
				}
				if d := firstDiff(one.ValidRMSE, other.ValidRMSE, 0); d != "" {
					t.Errorf("threads 1 and %d: validation RMSE %s", threads, d)
				}
			}
		})
	}
}

func TestGBMSeedChangesSampling(t *testing.T) {
	x, y := synthetic(500, 6, 0.5, 19)
	fit := func(seed uint64) *GBM {
		cfg := DefaultGBMConfig()
		cfg.Trees = 5
		cfg.EarlyStoppingRounds = 0
		cfg.Seed = seed
		m, err := FitGBM(context.Background(), x, y, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := fit(1), fit(1), fit(2)
	if d := sameTrees(a.Trees, b.Trees); d != "" {
		t.Errorf("same seed, different models: %s", d)
	}
	if sameTrees(a.Trees, c.Trees) == "" {
		t.Error("seeds 1 and 2 gave the same model despite row and feature sampling")
	}
}

func TestGBMAccuracy(t *testing.T) {
	x, y := synthetic(3000, 5, 0.1, 20)
	xv, yv := synthetic(500, 5, 0.1, 21)
	xt, yt := synthetic(1000, 5, 0.1, 22)
	for _, c := range []struct {
		name  string
		cfg   GBMConfig
		valid *EvalSet
		minR2 float64
	}{
		{"default", DefaultGBMConfig(), &EvalSet{X: xv, Y: yv}, 0.97},
		{"sklearn", SklearnGBMConfig(), nil, 0.9},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := FitGBM(context.Background(), x, y, c.cfg, c.valid)
			if err != nil {
				t.Fatal(err)
			}
			s, err := metrics.Score(yt, predict(m, xt))
			if err != nil {
				t.Fatal(err)
			}
			if s.R2 < c.minR2 {
				t.Errorf("test R² = %.4f, want >= %.2f", s.R2, c.minR2)
			}
			imp := m.FeatureImportance()
			if !(imp[1] > imp[0] && imp[0] > imp[2] && imp[2] > max(imp[3], imp[4])) {
				t.Errorf("importance %v: want x1 > x0 > x2 > the noise features x3, x4", imp)
			}
		})
	}
}

func TestGBMRejectsBadInput(t *testing.T) {
	x, y := synthetic(50, 3, 0.1, 23)
	noES := DefaultGBMConfig()
	noES.EarlyStoppingRounds = 0
	cases := []struct {
		name  string
		x     data.Matrix
		y     []float64
		cfg   GBMConfig
		valid *EvalSet
		want  error
	}{
		{"early stopping without validation rows", x, y, DefaultGBMConfig(), nil, ErrNoValidation},
		{"no rows", data.Matrix{Cols: 3}, nil, noES, nil, ErrNoRows},
		{"NaN target", x, append(slices.Clone(y[:49]), math.NaN()), noES, nil, ErrBadTarget},
		{"validation feature count", x, y, DefaultGBMConfig(), &EvalSet{X: column(1, 2), Y: []float64{1, 2}}, ErrFeatureCount},
		{"NaN validation target", x, y, DefaultGBMConfig(), &EvalSet{X: x, Y: append(slices.Clone(y[:49]), math.NaN())}, ErrBadTarget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FitGBM(context.Background(), c.x, c.y, c.cfg, c.valid)
			if !errors.Is(err, c.want) {
				t.Errorf("error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestGBMStopsWhenCancelled(t *testing.T) {
	x, y := synthetic(200, 3, 0.5, 24)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := FitGBM(ctx, x, y, SklearnGBMConfig(), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}
