package report

import (
	"math"
	"time"

	"github.com/hrmg/hrmg/metrics"
)

// Report is the result of one comparison run: its context and every
// split's measurements.
type Report struct {
	// Created is when the run started.
	Created time.Time
	// Machine describes the computer the timings come from.
	Machine string
	// Command is the command line that produced the report.
	Command string
	// Data describes the input files.
	Data string
	// Target is the name of the predicted column.
	Target string
	// Unit is the target's unit for labels, such as "USD". Empty labels
	// target values as "target units".
	Unit string
	// Seeds lists the model seeds; every model was fitted once per seed.
	Seeds []uint64
	// Splits holds one entry per way of dividing the rows.
	Splits []*Split
	// Notes are remarks on the whole run, such as why a split was skipped.
	Notes []string
}

// TargetUnit returns the unit label of target values: Unit, or "target
// units" when Unit is empty.
func (r *Report) TargetUnit() string {
	if r.Unit != "" {
		return r.Unit
	}
	return "target units"
}

// Split is one division of the rows into training, validation and test
// parts, with every model fitted and scored on it.
type Split struct {
	// ID names the split's subdirectory of the output directory, such as
	// "files" or "spatial". It must be a single path element.
	ID string
	// Name labels the split in headings and plot titles, such as
	// "spatial split (20 km blocks)".
	Name string
	// Description explains how the rows were divided.
	Description string
	// Rows counts the training, validation and test rows.
	Rows [3]int
	// TestFile is the CSV file of the test rows, relative to the output
	// directory, for re-scoring the saved models with hrmg eval.
	TestFile string
	// Truth holds the test rows' target values, in target units.
	Truth []float64
	// Lat and Lon hold the test rows' coordinates in decimal degrees; nil
	// when the data has none.
	Lat, Lon []float64
	// Models lists the models in table order.
	Models []*Model
	// Notes are remarks on this split. Write appends one for each figure
	// it leaves out.
	Notes []string
}

// Model is one kind of model on one split, fitted once per seed.
type Model struct {
	// Name labels the model, such as "HRM" or "random forest".
	Name string
	// Key names the model's files, such as "hrm" or "random-forest".
	Key string
	// Loaded marks a model read from a file instead of fitted in this run.
	Loaded bool
	// Runs holds one fit per seed, in seed order.
	Runs []Run
	// Importance lists the first run's feature importances, in feature
	// order; nil when they were not computed.
	Importance []Importance
	// PermutationRepeats is the number of shuffles per feature behind
	// Importance's permutation scores.
	PermutationRepeats int
}

// Run is one fitted model and its test results.
type Run struct {
	Seed uint64
	// File is the saved model, relative to the output directory.
	File string
	// FileBytes is the size of File.
	FileBytes int64
	// Test holds the metrics on the test rows, in target units.
	Test metrics.Regression
	// FitSeconds is the wall time of fitting alone; NaN for a loaded model.
	FitSeconds float64
	// PredictMs is the wall time to predict 1,000 test rows, in
	// milliseconds.
	PredictMs float64
	// Pred holds the test predictions in target units, in Split.Truth
	// order.
	Pred []float64
	// Steps holds the HRM's ponder steps per test row (high-level cycles
	// summed over segments); nil for other models.
	Steps []float64
	// History holds the HRM's training curve; nil for other models and
	// for a loaded model without an epoch log.
	History []Epoch
}

// Epoch is one point of a learning curve.
type Epoch struct {
	Epoch int
	// TrainLoss is the mean squared error of the training rows in model
	// units (the standardised target).
	TrainLoss float64
	// ValidRMSE is the validation RMSE in target units.
	ValidRMSE float64
}

// Importance is one feature's importance in a tree model.
type Importance struct {
	Feature string
	// Impurity is the feature's share of the squared-error reduction of
	// all splits; the shares of all features sum to 1.
	Impurity float64
	// PermutationMean and PermutationStd are the mean and sample standard
	// deviation of the drop in test R² when the feature is shuffled.
	PermutationMean, PermutationStd float64
}

// Stat is a mean and sample standard deviation over N runs.
type Stat struct {
	Mean, Std float64
	N         int
}

// newStat summarises xs, leaving out NaN values. A Stat of no values has a
// NaN mean.
func newStat(xs []float64) Stat {
	var present []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			present = append(present, x)
		}
	}
	mean, std := metrics.MeanStd(present)
	return Stat{Mean: mean, Std: std, N: len(present)}
}

// Summary is a model's results over its runs.
type Summary struct {
	R2, RMSE, MAE         Stat
	FitSeconds, PredictMs Stat
	FileBytes             Stat
	// PonderSteps is the mean ponder steps per test row; N is 0 for
	// models without halting.
	PonderSteps Stat
}

// Summary returns the mean and standard deviation of each result over the
// model's runs.
func (m *Model) Summary() Summary {
	collect := func(get func(Run) float64) Stat {
		xs := make([]float64, len(m.Runs))
		for i, r := range m.Runs {
			xs[i] = get(r)
		}
		return newStat(xs)
	}
	return Summary{
		R2:         collect(func(r Run) float64 { return r.Test.R2 }),
		RMSE:       collect(func(r Run) float64 { return r.Test.RMSE }),
		MAE:        collect(func(r Run) float64 { return r.Test.MAE }),
		FitSeconds: collect(func(r Run) float64 { return r.FitSeconds }),
		PredictMs:  collect(func(r Run) float64 { return r.PredictMs }),
		FileBytes:  collect(func(r Run) float64 { return float64(r.FileBytes) }),
		PonderSteps: collect(func(r Run) float64 {
			if r.Steps == nil {
				return math.NaN()
			}
			mean, _ := metrics.MeanStd(r.Steps)
			return mean
		}),
	}
}

// residuals returns truth minus pred.
func residuals(truth, pred []float64) []float64 {
	out := make([]float64, len(truth))
	for i := range truth {
		out[i] = truth[i] - pred[i]
	}
	return out
}
