package baselines

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
)

// singleTree returns a config that fits one CART tree on all rows and all
// features, so the result is exact and independent of the seed.
func singleTree() ForestConfig {
	c := DefaultForestConfig()
	c.Trees = 1
	c.NoBootstrap = true
	return c
}

func TestForestKnownTrees(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		cfg  func(*ForestConfig)
		x    data.Matrix
		y    []float64
		want Tree
	}{
		{
			name: "step function is one split halfway between the steps",
			x:    column(1, 2, 3, 4, 5, 6, 7, 8),
			y:    []float64{0, 0, 0, 0, 1, 1, 1, 1},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 4.5, Left: -1, Right: -2}}, Leaves: []float64{0, 1}},
		},
		{
			name: "unsorted rows give the same split",
			x:    column(8, 1, 5, 3, 2, 7, 4, 6),
			y:    []float64{1, 0, 1, 0, 0, 1, 0, 1},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 4.5, Left: -1, Right: -2}}, Leaves: []float64{0, 1}},
		},
		{
			name: "three steps split at the largest decrease first",
			// Candidate scores Σ²/n: 2.5 → 196, 4.5 → 187, 3.5 → 184.7.
			x: matrix([]float32{1, 0}, []float32{2, 0}, []float32{3, 0}, []float32{4, 0}, []float32{5, 0}, []float32{6, 0}),
			y: []float64{0, 0, 5, 5, 9, 9},
			want: Tree{
				Nodes:  []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: 1}, {Feature: 0, Threshold: 4.5, Left: -2, Right: -3}},
				Leaves: []float64{0, 5, 9},
			},
		},
		{
			name: "the informative feature wins over noise",
			x:    matrix([]float32{0.3, 1}, []float32{0.1, 2}, []float32{0.4, 3}, []float32{0.2, 4}),
			y:    []float64{0, 0, 3, 3},
			want: Tree{Nodes: []Node{{Feature: 1, Threshold: 2.5, Left: -1, Right: -2}}, Leaves: []float64{0, 3}},
		},
		{
			name: "constant target is a single leaf",
			x:    column(1, 2, 3),
			y:    []float64{4, 4, 4},
			want: Tree{Leaves: []float64{4}},
		},
		{
			name: "constant feature cannot split",
			x:    column(7, 7, 7, 7),
			y:    []float64{1, 2, 3, 4},
			want: Tree{Leaves: []float64{2.5}},
		},
		{
			name: "max depth 1 stops after the root split",
			cfg:  func(c *ForestConfig) { c.MaxDepth = 1 },
			x:    column(1, 2, 3, 4, 5, 6),
			y:    []float64{0, 0, 5, 5, 9, 9},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: -2}}, Leaves: []float64{0, 7}},
		},
		{
			name: "min samples leaf moves the split",
			cfg:  func(c *ForestConfig) { c.MinSamplesLeaf = 3 },
			x:    column(1, 2, 3, 4, 5, 6),
			y:    []float64{0, 10, 10, 10, 10, 10},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 3.5, Left: -1, Right: -2}}, Leaves: []float64{20.0 / 3, 10}},
		},
		{
			name: "NaN rows split from the rest",
			x:    column(1, 2, nan, nan, 3, 4),
			y:    []float64{0, 0, 10, 10, 0, 0},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: inf, Left: -1, Right: -2}}, Leaves: []float64{0, 10}},
		},
		{
			name: "NaN rows go left with the low values",
			x:    column(1, 2, nan, nan, 3, 4),
			y:    []float64{10, 10, 10, 10, 0, 0},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: -2, MissingLeft: true}}, Leaves: []float64{10, 0}},
		},
		{
			name: "NaN rows go right with the high values",
			x:    column(1, 2, nan, nan, 3, 4),
			y:    []float64{0, 0, 10, 10, 10, 10},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 2.5, Left: -1, Right: -2}}, Leaves: []float64{0, 10}},
		},
		{
			name: "adjacent float32 values split at the lower one",
			x:    column(1, math.Nextafter32(1, 2)),
			y:    []float64{0, 1},
			want: Tree{Nodes: []Node{{Feature: 0, Threshold: 1, Left: -1, Right: -2}}, Leaves: []float64{0, 1}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := singleTree()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			m, err := FitForest(context.Background(), c.x, c.y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, m.Trees[0], c.want)
			// The fitted tree reproduces its own training targets where
			// the leaves are pure.
			if d := firstDiff(predict(m, c.x), predict(&Forest{NumFeatures: c.x.Cols, Trees: []Tree{c.want}}, c.x), 1e-12); d != "" {
				t.Errorf("predictions differ from the expected tree's: %s", d)
			}
		})
	}
}

func TestForestFullDepthFitsTrainingRows(t *testing.T) {
	x, y := synthetic(300, 4, 0.3, 1)
	m, err := FitForest(context.Background(), x, y, singleTree())
	if err != nil {
		t.Fatal(err)
	}
	// Distinct feature rows, min_samples_leaf 1 and no bootstrap: every
	// training row ends in a pure leaf.
	if d := firstDiff(predict(m, x), y, 1e-9); d != "" {
		t.Errorf("training predictions differ from targets: %s", d)
	}
	if n := len(m.Trees[0].Leaves); n != 300 {
		t.Errorf("%d leaves, want one per row (300)", n)
	}
}

func TestForestMinSamplesLeafHolds(t *testing.T) {
	x, y := synthetic(200, 3, 0.5, 2)
	cfg := singleTree()
	cfg.MinSamplesLeaf = 7
	m, err := FitForest(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	counts := leafCounts(m.Trees[0], x)
	for leaf, n := range counts {
		if n < 7 {
			t.Errorf("leaf %d holds %d training rows, fewer than MinSamplesLeaf 7", leaf, n)
		}
	}
	if len(counts) < 10 {
		t.Errorf("only %d leaves on 200 rows; the tree stopped early", len(counts))
	}
}

// leafCounts returns how many rows of x reach each leaf of tr.
func leafCounts(tr Tree, x data.Matrix) []int {
	counts := make([]int, len(tr.Leaves))
	for r := range x.Rows {
		row := x.Data[r*x.Cols : (r+1)*x.Cols]
		if len(tr.Nodes) == 0 {
			counts[0]++
			continue
		}
		i := int32(0)
		for i >= 0 {
			n := tr.Nodes[i]
			if row[n.Feature] <= n.Threshold || (row[n.Feature] != row[n.Feature] && n.MissingLeft) {
				i = n.Left
			} else {
				i = n.Right
			}
		}
		counts[^i]++
	}
	return counts
}

func TestForestDeterministicAcrossThreads(t *testing.T) {
	x, y := synthetic(400, 6, 0.5, 4)
	fit := func(threads int) *Forest {
		cfg := DefaultForestConfig()
		cfg.Trees = 12
		cfg.MaxFeatures = 0.5
		cfg.Seed = 42
		cfg.Threads = threads
		m, err := FitForest(context.Background(), x, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	one := fit(1)
	for _, threads := range []int{2, 3, 8} {
		other := fit(threads)
		if d := sameTrees(one.Trees, other.Trees); d != "" {
			t.Errorf("threads 1 and %d: %s", threads, d)
		}
		if d := firstDiff(one.Importance, other.Importance, 0); d != "" {
			t.Errorf("threads 1 and %d: importance %s", threads, d)
		}
	}
	if d := sameTrees(one.Trees[:1], one.Trees[1:2]); d == "" {
		t.Error("trees 0 and 1 are identical; each tree should see its own bootstrap sample")
	}
	cfg := one.Config
	cfg.Seed = 43
	reseeded, err := FitForest(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sameTrees(one.Trees, reseeded.Trees) == "" {
		t.Error("seeds 42 and 43 gave the same forest")
	}
}

func TestForestAccuracyAndImportance(t *testing.T) {
	x, y := synthetic(2000, 5, 0.1, 5)
	xt, yt := synthetic(500, 5, 0.1, 6)
	cfg := DefaultForestConfig()
	cfg.Trees = 30
	cfg.Seed = 1
	m, err := FitForest(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := metrics.Score(yt, predict(m, xt))
	if err != nil {
		t.Fatal(err)
	}
	if s.R2 < 0.95 {
		t.Errorf("test R² = %.4f, want >= 0.95 on a smooth function with little noise", s.R2)
	}
	imp := m.FeatureImportance()
	var sum float64
	for _, v := range imp {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("importances sum to %v, want 1", sum)
	}
	// The target's variance parts: 1 from the x1 step, 0.75 from 3·x0,
	// 0.09 from x2², none from x3 and x4.
	if !(imp[1] > imp[0] && imp[0] > imp[2] && imp[2] > max(imp[3], imp[4])) {
		t.Errorf("importance %v: want x1 > x0 > x2 > the noise features x3, x4", imp)
	}
}

func TestForestRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		x    data.Matrix
		y    []float64
		want error
	}{
		{"no rows", data.Matrix{Cols: 2}, nil, ErrNoRows},
		{"no features", data.Matrix{Rows: 2}, []float64{1, 2}, ErrNoFeatures},
		{"target length", column(1, 2, 3), []float64{1, 2}, ErrShape},
		{"NaN target", column(1, 2), []float64{1, math.NaN()}, ErrBadTarget},
		{"infinite target", column(1, 2), []float64{math.Inf(1), 1}, ErrBadTarget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FitForest(context.Background(), c.x, c.y, DefaultForestConfig())
			if !errors.Is(err, c.want) {
				t.Errorf("error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestForestStopsWhenCancelled(t *testing.T) {
	x, y := synthetic(200, 3, 0.5, 7)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := FitForest(ctx, x, y, DefaultForestConfig())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestForestPredictPanicsOnWrongShape(t *testing.T) {
	m := &Forest{NumFeatures: 2, Trees: []Tree{stump}}
	defer func() {
		if recover() == nil {
			t.Error("Predict on 1 column of a 2-feature model did not panic")
		}
	}()
	m.Predict(column(1), make([]float64, 1))
}
