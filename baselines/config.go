package baselines

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/hrmg/hrmg/data"
)

// ConfigError reports a hyperparameter outside its allowed range.
type ConfigError struct {
	// Model is "random forest" or "gradient boosting".
	Model string
	// Field is the configuration field's Go name, such as "MaxDepth".
	Field string
	// Value is the rejected value.
	Value any
	// Allowed describes the valid values, such as "an integer >= 1".
	Allowed string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid %s %s %v: must be %s", e.Model, e.Field, e.Value, e.Allowed)
}

// Errors wrapped by the Fit functions for unusable training data. Test for
// them with errors.Is.
var (
	ErrNoRows       = errors.New("no training rows")
	ErrNoFeatures   = errors.New("no feature columns")
	ErrBadTarget    = errors.New("target is NaN or infinite")
	ErrShape        = errors.New("matrix and target lengths differ")
	ErrFeatureCount = errors.New("validation rows have a different number of features")
)

// threadCount resolves a Threads setting: 0 means GOMAXPROCS.
func threadCount(threads int) int {
	if threads <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return threads
}

// checkTraining reports a matrix and target that cannot be fitted.
func checkTraining(x data.Matrix, y []float64) error {
	switch {
	case x.Rows < 1:
		return ErrNoRows
	case x.Cols < 1:
		return ErrNoFeatures
	case len(x.Data) != x.Rows*x.Cols:
		panic(fmt.Sprintf("baselines: matrix of %d×%d has %d values", x.Rows, x.Cols, len(x.Data)))
	case len(y) != x.Rows:
		return fmt.Errorf("%w: %d rows, %d targets", ErrShape, x.Rows, len(y))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: row %d is %v; drop rows without a target before fitting", ErrBadTarget, i, v)
		}
	}
	return nil
}

// checkPredict panics when x and out do not fit a model of cols features.
func checkPredict(x data.Matrix, out []float64, cols int) {
	switch {
	case x.Cols != cols:
		panic(fmt.Sprintf("baselines: predict on %d features, the model has %d", x.Cols, cols))
	case len(x.Data) != x.Rows*x.Cols:
		panic(fmt.Sprintf("baselines: matrix of %d×%d has %d values", x.Rows, x.Cols, len(x.Data)))
	case len(out) != x.Rows:
		panic(fmt.Sprintf("baselines: %d outputs for %d rows", len(out), x.Rows))
	}
}

// inUnitInterval reports whether v is in (0, 1].
func inUnitInterval(v float64) bool { return v > 0 && v <= 1 }
