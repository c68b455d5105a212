package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
)

// PermutationOptions sets how PermutationImportance shuffles.
type PermutationOptions struct {
	// Repeats is the number of shuffles per feature, at least 1.
	// scikit-learn's permutation_importance uses 5.
	Repeats int
	// Seed sets the shuffles.
	Seed uint64
	// Threads is the number of features scored at once; 0 means
	// GOMAXPROCS. It never changes the result.
	Threads int
}

// PermutationScore is the permutation importance of one feature.
type PermutationScore struct {
	// Feature is the column index.
	Feature int
	// Mean and Std are the mean and sample standard deviation, over the
	// repeats, of the drop in R² when the feature's column is shuffled.
	Mean, Std float64
}

// PermutationImportance scores each feature by how much R² drops when its
// column in x is shuffled, breaking its link with the targets y (in model
// units) while keeping its distribution. It works on any split and any
// Predictor whose Predict is safe for concurrent use, as those of Forest
// and GBM are. x is not modified. The scores come in column order.
func PermutationImportance(ctx context.Context, p Predictor, x data.Matrix, y []float64, opts PermutationOptions) ([]PermutationScore, error) {
	if opts.Repeats < 1 {
		return nil, fmt.Errorf("permutation importance: invalid Repeats %d: must be an integer >= 1", opts.Repeats)
	}
	if err := checkTraining(x, y); err != nil {
		return nil, fmt.Errorf("permutation importance: %w", err)
	}
	pred := make([]float64, x.Rows)
	p.Predict(x, pred)
	base, err := metrics.Score(y, pred)
	if err != nil {
		return nil, fmt.Errorf("permutation importance: %w", err)
	}
	if base.R2 != base.R2 {
		return nil, fmt.Errorf("permutation importance: R² is undefined because all %d targets are equal", len(y))
	}

	scores := make([]PermutationScore, x.Cols)
	errs := make([]error, x.Cols)
	threads := threadCount(opts.Threads)
	// Each goroutine shuffles its own copy of x, one column at a time.
	copies := make(chan data.Matrix, threads)
	for range threads {
		copies <- data.Matrix{Rows: x.Rows, Cols: x.Cols, Data: slices.Clone(x.Data)}
	}
	parallelFor(x.Cols, threads, func(f int) {
		if ctx.Err() != nil {
			errs[f] = ctx.Err()
			return
		}
		work := <-copies
		defer func() { copies <- work }()
		scores[f], errs[f] = permuteFeature(p, work, y, f, base.R2, opts)
	})
	for f, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("permutation importance: feature %d: %w", f, err)
		}
	}
	return scores, nil
}

// permuteFeature scores feature f on work, a copy of the original matrix
// that it restores before returning.
func permuteFeature(p Predictor, work data.Matrix, y []float64, f int, baseR2 float64, opts PermutationOptions) (PermutationScore, error) {
	cols := work.Cols
	column := make([]float32, work.Rows)
	for r := range column {
		column[r] = work.Data[r*cols+f]
	}
	defer func() {
		for r, v := range column {
			work.Data[r*cols+f] = v
		}
	}()

	// Each feature has its own stream, so the scores do not depend on
	// which goroutine computes them.
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(f)))
	shuffled := slices.Clone(column)
	pred := make([]float64, work.Rows)
	drops := make([]float64, opts.Repeats)
	for i := range drops {
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		for r, v := range shuffled {
			work.Data[r*cols+f] = v
		}
		p.Predict(work, pred)
		s, err := metrics.Score(y, pred)
		if err != nil {
			return PermutationScore{}, err
		}
		drops[i] = baseR2 - s.R2
	}
	mean, std := metrics.MeanStd(drops)
	return PermutationScore{Feature: f, Mean: mean, Std: std}, nil
}
