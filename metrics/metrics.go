// Package metrics computes regression metrics in the target's own units.
package metrics

import (
	"fmt"
	"math"
)

// Regression holds the standard regression metrics of one prediction set.
type Regression struct {
	// R2 is the coefficient of determination, 1 - SS_res/SS_tot, with SS_tot
	// taken around the mean of the true values. It is NaN when the true
	// values are all equal.
	R2 float64 `json:"r2"`
	// RMSE is the root mean squared error.
	RMSE float64 `json:"rmse"`
	// MAE is the mean absolute error.
	MAE float64 `json:"mae"`
	// N is the number of rows scored.
	N int `json:"rows"`
}

// String formats the metrics for a log line.
func (r Regression) String() string {
	return fmt.Sprintf("R²=%.4f RMSE=%.6g MAE=%.6g rows=%d", r.R2, r.RMSE, r.MAE, r.N)
}

// Score compares predictions with true values. It panics if the slices
// differ in length, and returns an error if they are empty or hold a
// non-finite value.
func Score(truth, pred []float64) (Regression, error) {
	if len(truth) != len(pred) {
		panic("metrics: slice length mismatch")
	}
	n := len(truth)
	if n == 0 {
		return Regression{}, fmt.Errorf("metrics: no rows to score")
	}

	var mean float64
	for i, y := range truth {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return Regression{}, fmt.Errorf("metrics: true value %d is %v", i, y)
		}
		if math.IsNaN(pred[i]) || math.IsInf(pred[i], 0) {
			return Regression{}, fmt.Errorf("metrics: prediction %d is %v", i, pred[i])
		}
		mean += y
	}
	mean /= float64(n)

	var ssRes, ssTot, absSum float64
	for i, y := range truth {
		d := y - pred[i]
		ssRes += d * d
		absSum += math.Abs(d)
		ssTot += (y - mean) * (y - mean)
	}
	r2 := math.NaN()
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return Regression{
		R2:   r2,
		RMSE: math.Sqrt(ssRes / float64(n)),
		MAE:  absSum / float64(n),
		N:    n,
	}, nil
}

// MeanStd returns the mean and the sample standard deviation (n-1 in the
// denominator) of xs. The deviation is 0 for fewer than two values.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}
