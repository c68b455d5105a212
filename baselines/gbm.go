package baselines

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/modelfile"
)

// Splitter names how boosted trees search for splits.
type Splitter string

// The split searches of gradient boosting.
const (
	// SplitterHist bins each feature into at most MaxBins bins on the
	// training rows and searches bin boundaries, as LightGBM, XGBoost's
	// "hist" method and scikit-learn's HistGradientBoostingRegressor do.
	SplitterHist Splitter = "hist"
	// SplitterExact searches every boundary between two distinct values,
	// as scikit-learn's GradientBoostingRegressor does.
	SplitterExact Splitter = "exact"
)

// GBMConfig sets the hyperparameters of gradient boosting with squared-error
// loss. Start from DefaultGBMConfig or SklearnGBMConfig: the zero value
// fails Validate.
type GBMConfig struct {
	// Splitter is SplitterHist or SplitterExact.
	Splitter Splitter `json:"splitter"`
	// Trees is the most boosting rounds, one tree each, at least 1. Early
	// stopping may end the fit sooner.
	Trees int `json:"trees"`
	// LearningRate multiplies every tree's leaf values, in (0, 1].
	LearningRate float64 `json:"learning_rate"`
	// MaxDepth limits the levels of splits below the root; 0 means
	// unlimited.
	MaxDepth int `json:"max_depth"`
	// MaxLeaves limits the leaves per tree, grown best split first; 0
	// means unlimited, otherwise at least 2. Only SplitterHist uses it.
	MaxLeaves int `json:"max_leaves"`
	// MinSamplesLeaf is the minimum number of training rows in a leaf, at
	// least 1. With squared-error loss every row has hessian 1, so this is
	// XGBoost's min_child_weight too.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// L2 is the L2 penalty on leaf values (XGBoost's lambda), >= 0: a leaf
	// predicts -sum(gradients) / (rows + L2).
	L2 float64 `json:"l2"`
	// Subsample is the fraction of the training rows drawn, without
	// replacement, for each tree, in (0, 1].
	Subsample float64 `json:"subsample"`
	// ColSample is the fraction of the features drawn for each tree, in
	// (0, 1]. At least one feature is drawn.
	ColSample float64 `json:"colsample"`
	// MaxBins is the most bins per feature for SplitterHist, from 2 to 255;
	// NaN values get a bin of their own besides.
	MaxBins int `json:"max_bins"`
	// EarlyStoppingRounds stops the fit when the validation RMSE has not
	// improved for this many rounds, and keeps the trees up to its best
	// round; 0 turns early stopping off. It needs validation rows.
	EarlyStoppingRounds int `json:"early_stopping_rounds"`
	// Seed sets the rows and features drawn for each tree.
	Seed uint64 `json:"seed"`
	// Threads is the number of goroutines that build histograms; 0 means
	// GOMAXPROCS. It never changes the model.
	Threads int `json:"-"`
}

// DefaultGBMConfig returns hrmg's tuned defaults. Histogram trees have at
// most 8 levels and at least 20 rows per leaf, with learning rate 0.05 and
// 80% of the rows and features drawn for each tree. Up to 2000 rounds run,
// with early stopping after 50 rounds without improvement.
func DefaultGBMConfig() GBMConfig {
	return GBMConfig{
		Splitter:            SplitterHist,
		Trees:               2000,
		LearningRate:        0.05,
		MaxDepth:            8,
		MinSamplesLeaf:      20,
		L2:                  1,
		Subsample:           0.8,
		ColSample:           0.8,
		MaxBins:             255,
		EarlyStoppingRounds: 50,
	}
}

// SklearnGBMConfig returns scikit-learn's GradientBoostingRegressor
// defaults: 100 exact trees of depth 3, learning rate 0.1, every row and
// feature, no penalty and no early stopping.
func SklearnGBMConfig() GBMConfig {
	return GBMConfig{
		Splitter:       SplitterExact,
		Trees:          100,
		LearningRate:   0.1,
		MaxDepth:       3,
		MinSamplesLeaf: 1,
		Subsample:      1,
		ColSample:      1,
		MaxBins:        255,
	}
}

// Validate returns a *ConfigError for the first field out of range.
func (c GBMConfig) Validate() error {
	bad := func(field string, v any, allowed string) error {
		return &ConfigError{Model: "gradient boosting", Field: field, Value: v, Allowed: allowed}
	}
	switch {
	case c.Splitter != SplitterHist && c.Splitter != SplitterExact:
		return bad("Splitter", fmt.Sprintf("%q", c.Splitter), fmt.Sprintf("%q or %q", SplitterHist, SplitterExact))
	case c.Trees < 1:
		return bad("Trees", c.Trees, "an integer >= 1")
	case !inUnitInterval(c.LearningRate):
		return bad("LearningRate", c.LearningRate, "in (0, 1]")
	case c.MaxDepth < 0:
		return bad("MaxDepth", c.MaxDepth, "an integer >= 0 (0 means unlimited)")
	case c.MaxLeaves < 0 || c.MaxLeaves == 1:
		return bad("MaxLeaves", c.MaxLeaves, "0 (unlimited) or an integer >= 2")
	case c.MinSamplesLeaf < 1:
		return bad("MinSamplesLeaf", c.MinSamplesLeaf, "an integer >= 1")
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return bad("L2", c.L2, "a finite number >= 0")
	case !inUnitInterval(c.Subsample):
		return bad("Subsample", c.Subsample, "a fraction in (0, 1]")
	case !inUnitInterval(c.ColSample):
		return bad("ColSample", c.ColSample, "a fraction in (0, 1]")
	case c.MaxBins < 2 || c.MaxBins > maxBinsLimit:
		return bad("MaxBins", c.MaxBins, fmt.Sprintf("an integer from 2 to %d", maxBinsLimit))
	case c.EarlyStoppingRounds < 0:
		return bad("EarlyStoppingRounds", c.EarlyStoppingRounds, "an integer >= 0 (0 turns early stopping off)")
	case c.Threads < 0:
		return bad("Threads", c.Threads, "an integer >= 0 (0 means all cores)")
	}
	return nil
}

// EvalSet is a held-out set scored after every boosting round.
type EvalSet struct {
	X data.Matrix
	Y []float64
}

// GBM is a fitted gradient-boosting model: its prediction is Base plus the
// sum of its trees' predictions.
type GBM struct {
	Config GBMConfig
	// NumFeatures is the number of columns the model was fitted on.
	NumFeatures int
	// Base is the prediction before any tree: the mean training target.
	Base float64
	// Trees are the trees kept, with the learning rate already applied to
	// their leaves. Early stopping drops the trees after the best round.
	Trees []Tree
	// Rounds is the number of rounds fitted, counting those that early
	// stopping dropped.
	Rounds int
	// ValidRMSE is the validation RMSE after each round, empty without
	// validation rows.
	ValidRMSE []float64
	// Importance is the impurity-based importance of each feature: the
	// decrease in squared error of the splits on it, summed over the kept
	// trees and normalised to sum to 1.
	Importance []float64
}

var _ Regressor = (*GBM)(nil)

// ErrNoValidation is returned by FitGBM when early stopping is on and no
// validation rows are given.
var ErrNoValidation = errors.New("early stopping needs validation rows")

// FitGBM fits gradient-boosted trees to the rows of x and the targets y.
// valid, when not nil, is scored after every round and drives early
// stopping; it never affects the trees themselves.
//
// NOTE: the first prediction is the mean target, as in scikit-learn;
// XGBoost 1.7 starts from 0.5 unless base_score is set. Subsample draws an
// exact count of rows per tree (scikit-learn's rule); XGBoost draws each row
// independently.
func FitGBM(ctx context.Context, x data.Matrix, y []float64, cfg GBMConfig, valid *EvalSet) (*GBM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkTraining(x, y); err != nil {
		return nil, fmt.Errorf("fit gradient boosting: %w", err)
	}
	if valid != nil {
		if err := checkTraining(valid.X, valid.Y); err != nil {
			return nil, fmt.Errorf("fit gradient boosting: validation rows: %w", err)
		}
		if valid.X.Cols != x.Cols {
			return nil, fmt.Errorf("fit gradient boosting: %w: %d, training has %d", ErrFeatureCount, valid.X.Cols, x.Cols)
		}
	}
	if cfg.EarlyStoppingRounds > 0 && valid == nil {
		return nil, fmt.Errorf("fit gradient boosting: %w: pass them, or set EarlyStoppingRounds to 0", ErrNoValidation)
	}

	f := newGBMFit(x, y, cfg, valid)
	m := &GBM{Config: cfg, NumFeatures: x.Cols, Base: f.base}
	gains := make([][]float64, 0, cfg.Trees)
	best, bestRMSE := -1, math.Inf(1)
	for round := range cfg.Trees {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("fit gradient boosting: round %d: %w", round+1, err)
		}
		tree, gain := f.round()
		m.Trees = append(m.Trees, tree)
		gains = append(gains, gain)
		m.Rounds = round + 1

		if valid == nil {
			continue
		}
		rmse := f.validRMSE()
		m.ValidRMSE = append(m.ValidRMSE, rmse)
		if rmse < bestRMSE {
			best, bestRMSE = round, rmse
		}
		if cfg.EarlyStoppingRounds > 0 && round-best >= cfg.EarlyStoppingRounds {
			break
		}
	}
	if cfg.EarlyStoppingRounds > 0 {
		m.Trees = m.Trees[:best+1]
		gains = gains[:best+1]
	}
	if err := checkFinite(f.pred); err != nil {
		return nil, fmt.Errorf("fit gradient boosting: %w", err)
	}

	importance := make([]float64, x.Cols)
	for _, g := range gains {
		for j, v := range g {
			importance[j] += v
		}
	}
	m.Importance = normalised(importance)
	return m, nil
}

// checkFinite reports the first non-finite training prediction, which
// only a target far outside the float64 range can cause.
func checkFinite(pred []float64) error {
	for i, v := range pred {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("training prediction for row %d is %v: rescale the target", i, v)
		}
	}
	return nil
}

// gbmFit holds the state of one boosting run.
type gbmFit struct {
	cfg       GBMConfig
	x         data.Matrix
	y         []float64
	valid     *EvalSet
	threads   int
	rng       *rand.Rand
	base      float64
	pred      []float64 // current training predictions
	validPred []float64
	grad      []float64 // prediction minus target
	chosen    []bool
	sample    []int32
	features  []int32

	// SplitterHist
	hist      *histBuilder
	validBins []uint8

	// SplitterExact
	exact   *exactBuilder
	weights []float64
	resid   []float64
}

func newGBMFit(x data.Matrix, y []float64, cfg GBMConfig, valid *EvalSet) *gbmFit {
	f := &gbmFit{
		cfg:     cfg,
		x:       x,
		y:       y,
		valid:   valid,
		threads: threadCount(cfg.Threads),
		// A fixed stream id keeps the rows and features drawn apart from
		// any other use of the seed.
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x67626d)),
		pred:   make([]float64, x.Rows),
		grad:   make([]float64, x.Rows),
		chosen: make([]bool, x.Rows),
	}
	for _, v := range y {
		f.base += v
	}
	f.base /= float64(len(y))
	for i := range f.pred {
		f.pred[i] = f.base
	}
	if valid != nil {
		f.validPred = make([]float64, valid.X.Rows)
		for i := range f.validPred {
			f.validPred[i] = f.base
		}
	}

	switch cfg.Splitter {
	case SplitterHist:
		bn := fitBinner(x, cfg.MaxBins, f.threads)
		f.hist = newHistBuilder(bn.transform(x, f.threads), x.Rows, x.Cols, bn.edges)
		if valid != nil {
			f.validBins = bn.transform(valid.X, f.threads)
		}
	case SplitterExact:
		f.exact = newExactBuilder(newExactData(x.Data, x.Rows, x.Cols, f.threads))
		f.weights = make([]float64, x.Rows)
		f.resid = make([]float64, x.Rows)
	}
	return f
}

// round fits one tree and updates the predictions. It returns the tree and
// the gain of its splits by feature.
func (f *gbmFit) round() (Tree, []float64) {
	f.drawRows()
	f.drawFeatures()
	cfg := f.cfg
	var t Tree
	var gain []float64

	switch cfg.Splitter {
	case SplitterHist:
		for i, p := range f.pred {
			f.grad[i] = p - f.y[i]
		}
		params := histParams{
			maxDepth:  cfg.MaxDepth,
			maxLeaves: cfg.MaxLeaves,
			minLeaf:   cfg.MinSamplesLeaf,
			l2:        cfg.L2,
			scale:     cfg.LearningRate,
			threads:   f.threads,
		}
		t = f.hist.build(f.grad, f.sample, f.features, params, f.pred)
		// build updated the sampled rows; the others go through the tree.
		if len(f.sample) < f.x.Rows {
			f.addUnsampled(&t)
		}
		if f.valid != nil {
			addBinned(&t, f.hist.splitBins, f.validBins, f.x.Cols, f.validPred)
		}
		gain = slices.Clone(f.hist.gain)

	case SplitterExact:
		for i, p := range f.pred {
			f.resid[i] = f.y[i] - p
		}
		clear(f.weights)
		for _, r := range f.sample {
			f.weights[r] = 1
		}
		params := exactParams{
			maxDepth:    cfg.MaxDepth,
			minLeaf:     cfg.MinSamplesLeaf,
			maxFeatures: len(f.features),
			l2:          cfg.L2,
			scale:       cfg.LearningRate,
		}
		t = f.exact.build(f.weights, f.resid, f.features, params, nil)
		t.addTo(f.x.Data, f.x.Cols, f.pred)
		if f.valid != nil {
			t.addTo(f.valid.X.Data, f.valid.X.Cols, f.validPred)
		}
		gain = slices.Clone(f.exact.gain)
	}
	return t, gain
}

// addUnsampled adds the tree's values to the predictions of the rows not
// drawn for it.
func (f *gbmFit) addUnsampled(t *Tree) {
	cols := f.x.Cols
	bins := f.hist.bins
	for r, in := range f.chosen {
		if !in {
			f.pred[r] += binnedValue(t, f.hist.splitBins, bins[r*cols:(r+1)*cols])
		}
	}
}

// drawRows sets f.sample to an ascending draw of max(1, floor(Subsample ×
// rows)) rows without replacement, and f.chosen to mark them. It uses
// selection sampling (Knuth's Algorithm S): row r is taken with
// probability (rows still needed) / (rows left), which yields exactly the
// requested count, every subset equally likely.
func (f *gbmFit) drawRows() {
	n := f.x.Rows
	k := max(1, int(f.cfg.Subsample*float64(n)))
	f.sample = f.sample[:0]
	for r := range n {
		in := k >= n || float64(n-r)*f.rng.Float64() < float64(k-len(f.sample))
		f.chosen[r] = in
		if in {
			f.sample = append(f.sample, int32(r))
		}
	}
}

// drawFeatures sets f.features to an ascending draw of
// max(1, round(ColSample × features)) features without replacement.
func (f *gbmFit) drawFeatures() {
	cols := f.x.Cols
	k := max(1, int(math.Round(f.cfg.ColSample*float64(cols))))
	f.features = f.features[:0]
	for c := range cols {
		f.features = append(f.features, int32(c))
	}
	if k >= cols {
		return
	}
	for i := range k {
		j := i + f.rng.IntN(cols-i)
		f.features[i], f.features[j] = f.features[j], f.features[i]
	}
	f.features = f.features[:k]
	slices.Sort(f.features)
}

// validRMSE returns the root mean squared error on the validation rows.
func (f *gbmFit) validRMSE() float64 {
	var ss float64
	for i, p := range f.validPred {
		d := p - f.valid.Y[i]
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(f.validPred)))
}

// Predict writes the model's prediction for each row of x to out, in model
// units. It panics when x.Cols differs from NumFeatures or len(out) from
// x.Rows.
func (m *GBM) Predict(x data.Matrix, out []float64) {
	checkPredict(x, out, m.NumFeatures)
	for i := range out {
		out[i] = m.Base
	}
	for i := range m.Trees {
		m.Trees[i].addTo(x.Data, x.Cols, out)
	}
}

// Kind returns modelfile.KindGBM.
func (m *GBM) Kind() modelfile.Kind { return modelfile.KindGBM }

// Features returns the number of feature columns the model expects.
func (m *GBM) Features() int { return m.NumFeatures }

// FeatureImportance returns the impurity-based importance of each feature.
func (m *GBM) FeatureImportance() []float64 { return m.Importance }
