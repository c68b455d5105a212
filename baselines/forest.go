package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/modelfile"
)

// ForestConfig sets the hyperparameters of a random forest. Start from
// DefaultForestConfig: the zero value has no trees and fails Validate.
type ForestConfig struct {
	// Trees is the number of trees, at least 1.
	Trees int `json:"trees"`
	// MaxFeatures is the fraction of the features evaluated at each split,
	// in (0, 1]. The count is max(1, floor(MaxFeatures × features)), as in
	// scikit-learn.
	MaxFeatures float64 `json:"max_features"`
	// MaxDepth limits the levels of splits below the root; 0 means
	// unlimited.
	MaxDepth int `json:"max_depth"`
	// MinSamplesLeaf is the minimum number of distinct training rows in a
	// leaf, at least 1.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// NoBootstrap fits every tree on all rows; by default each tree fits a
	// bootstrap sample of as many rows as the training set.
	NoBootstrap bool `json:"no_bootstrap"`
	// Seed sets the bootstrap samples and the features drawn at each split.
	Seed uint64 `json:"seed"`
	// Threads is the number of trees fitted at once; 0 means GOMAXPROCS.
	// It never changes the model.
	Threads int `json:"-"`
}

// DefaultForestConfig returns scikit-learn's RandomForestRegressor
// defaults: 100 trees grown to full depth on bootstrap samples, all
// features evaluated at every split.
func DefaultForestConfig() ForestConfig {
	return ForestConfig{Trees: 100, MaxFeatures: 1, MinSamplesLeaf: 1}
}

// Validate returns a *ConfigError for the first field out of range.
func (c ForestConfig) Validate() error {
	bad := func(field string, v any, allowed string) error {
		return &ConfigError{Model: "random forest", Field: field, Value: v, Allowed: allowed}
	}
	switch {
	case c.Trees < 1:
		return bad("Trees", c.Trees, "an integer >= 1")
	case !inUnitInterval(c.MaxFeatures):
		return bad("MaxFeatures", c.MaxFeatures, "a fraction in (0, 1]")
	case c.MaxDepth < 0:
		return bad("MaxDepth", c.MaxDepth, "an integer >= 0 (0 means unlimited)")
	case c.MinSamplesLeaf < 1:
		return bad("MinSamplesLeaf", c.MinSamplesLeaf, "an integer >= 1")
	case c.Threads < 0:
		return bad("Threads", c.Threads, "an integer >= 0 (0 means all cores)")
	}
	return nil
}

// Forest is a fitted random forest: its prediction is the mean of its
// trees' predictions.
type Forest struct {
	Config ForestConfig
	// NumFeatures is the number of columns the forest was fitted on.
	NumFeatures int
	Trees       []Tree
	// Importance is the impurity-based importance of each feature: the
	// weighted decrease in squared error of the splits on it, normalised
	// to sum to 1 within each tree, then averaged over the trees.
	Importance []float64
}

var _ Regressor = (*Forest)(nil)

// FitForest fits a random forest to the rows of x and the targets y.
//
// NOTE: NaN feature values are handled as by scikit-learn 1.4 and later:
// each split sends them to the side that lowers the squared error most.
// Older scikit-learn releases reject them.
func FitForest(ctx context.Context, x data.Matrix, y []float64, cfg ForestConfig) (*Forest, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkTraining(x, y); err != nil {
		return nil, fmt.Errorf("fit random forest: %w", err)
	}
	threads := threadCount(cfg.Threads)
	d := newExactData(x.Data, x.Rows, x.Cols, threads)

	features := make([]int32, x.Cols)
	for f := range features {
		features[f] = int32(f)
	}
	params := exactParams{
		maxDepth:    cfg.MaxDepth,
		minLeaf:     cfg.MinSamplesLeaf,
		maxFeatures: max(1, int(cfg.MaxFeatures*float64(x.Cols))),
		scale:       1,
	}

	trees := make([]Tree, cfg.Trees)
	gains := make([][]float64, cfg.Trees)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(threads, cfg.Trees) {
		wg.Go(func() {
			b := newExactBuilder(d)
			w := make([]float64, x.Rows)
			for {
				t := int(next.Add(1) - 1)
				if t >= cfg.Trees || ctx.Err() != nil {
					return
				}
				// Each tree has its own stream, so the forest does not
				// depend on which goroutine fits which tree.
				rng := rand.New(rand.NewPCG(cfg.Seed, uint64(t)))
				bootstrap(w, cfg.NoBootstrap, rng)
				trees[t] = b.build(w, y, features, params, rng)
				gains[t] = normalised(b.gain)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fit random forest: %w", err)
	}

	importance := make([]float64, x.Cols)
	for _, g := range gains {
		for f, v := range g {
			importance[f] += v / float64(len(gains))
		}
	}
	return &Forest{Config: cfg, NumFeatures: x.Cols, Trees: trees, Importance: normalised(importance)}, nil
}

// bootstrap fills w with each row's count in a sample of len(w) rows drawn
// with replacement, or with ones when off is set.
func bootstrap(w []float64, off bool, rng *rand.Rand) {
	if off {
		for i := range w {
			w[i] = 1
		}
		return
	}
	clear(w)
	for range w {
		w[rng.IntN(len(w))]++
	}
}

// normalised returns a copy of v scaled to sum to 1, or all zeros when the
// sum is not positive.
func normalised(v []float64) []float64 {
	out := make([]float64, len(v))
	var sum float64
	for _, x := range v {
		sum += x
	}
	if sum > 0 {
		for i, x := range v {
			out[i] = x / sum
		}
	}
	return out
}

// Predict writes the forest's prediction for each row of x to out, in
// model units. It panics when x.Cols differs from NumFeatures or len(out)
// from x.Rows.
func (m *Forest) Predict(x data.Matrix, out []float64) {
	checkPredict(x, out, m.NumFeatures)
	clear(out)
	for i := range m.Trees {
		m.Trees[i].addTo(x.Data, x.Cols, out)
	}
	inv := 1 / float64(len(m.Trees))
	for i := range out {
		out[i] *= inv
	}
}

// Kind returns modelfile.KindForest.
func (m *Forest) Kind() modelfile.Kind { return modelfile.KindForest }

// Features returns the number of feature columns the model expects.
func (m *Forest) Features() int { return m.NumFeatures }

// FeatureImportance returns the impurity-based importance of each feature.
func (m *Forest) FeatureImportance() []float64 { return m.Importance }
