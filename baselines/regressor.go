package baselines

import (
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/modelfile"
)

// Predictor is anything that predicts one value per row, in model units.
// Predict panics when x has the wrong number of columns or len(out) differs
// from x.Rows.
type Predictor interface {
	Predict(x data.Matrix, out []float64)
}

// Regressor is a fitted baseline model: a *Forest or a *GBM.
type Regressor interface {
	Predictor
	// Kind returns the model-file kind the model is saved under.
	Kind() modelfile.Kind
	// Features returns the number of feature columns Predict expects.
	Features() int
	// FeatureImportance returns one impurity-based importance per feature,
	// summing to 1 (all zeros for a model that never split).
	FeatureImportance() []float64
}

// PredictParallel writes p's predictions for the rows of x to out, split
// into row blocks predicted on up to threads goroutines (0 means
// GOMAXPROCS). The result is the same as p.Predict(x, out).
func PredictParallel(p Predictor, x data.Matrix, out []float64, threads int) {
	const block = 256
	if len(out) != x.Rows {
		panic("baselines: output length differs from the number of rows")
	}
	blocks := (x.Rows + block - 1) / block
	parallelFor(blocks, threadCount(threads), func(i int) {
		lo, hi := i*block, min((i+1)*block, x.Rows)
		sub := data.Matrix{Rows: hi - lo, Cols: x.Cols, Data: x.Data[lo*x.Cols : hi*x.Cols]}
		p.Predict(sub, out[lo:hi])
	})
}
