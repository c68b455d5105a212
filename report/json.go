package report

import (
	"encoding/json"
	"math"
	"path"
	"strconv"
	"time"
)

// Number is a float64 that encodes NaN and ±Inf as JSON null, which
// encoding/json otherwise rejects. R² is NaN when every test target is
// equal, and a loaded model has no fit time.
type Number float64

// MarshalJSON writes the number, or null when it is not finite.
func (n Number) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Number(v)
	return nil
}

// JSONReport is the JSON form of a Report, as report.json holds it.
type JSONReport struct {
	Created time.Time   `json:"created"`
	Machine string      `json:"machine"`
	Command string      `json:"command"`
	Data    string      `json:"data,omitempty"`
	Target  string      `json:"target"`
	Unit    string      `json:"unit"`
	Seeds   []uint64    `json:"seeds"`
	Notes   []string    `json:"notes,omitempty"`
	Splits  []JSONSplit `json:"splits"`
}

// JSONSplit is one split's results.
type JSONSplit struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	TrainRows   int    `json:"train_rows"`
	ValidRows   int    `json:"valid_rows"`
	TestRows    int    `json:"test_rows"`
	// TestFile is relative to the report's directory.
	TestFile string      `json:"test_file,omitempty"`
	Models   []JSONModel `json:"models"`
	// Figures lists the PNG files, relative to the report's directory.
	Figures []string `json:"figures"`
	Notes   []string `json:"notes,omitempty"`
}

// JSONModel is one model's results on a split: the summary over seeds and
// every run.
type JSONModel struct {
	Name   string `json:"name"`
	Key    string `json:"key"`
	Loaded bool   `json:"loaded,omitempty"`
	// Summary maps "r2", "rmse", "mae", "fit_seconds",
	// "predict_ms_per_1k_rows", "file_bytes" and, for the HRM,
	// "ponder_steps" to their mean and standard deviation over the runs.
	Summary    map[string]JSONStat `json:"summary"`
	Runs       []JSONRun           `json:"runs"`
	Importance []JSONImportance    `json:"importance,omitempty"`
}

// JSONStat is a mean and sample standard deviation over Runs runs.
type JSONStat struct {
	Mean Number `json:"mean"`
	Std  Number `json:"std"`
	Runs int    `json:"runs"`
}

// JSONRun is one fitted model.
type JSONRun struct {
	Seed uint64 `json:"seed"`
	// File is relative to the report's directory.
	File               string      `json:"file"`
	FileBytes          int64       `json:"file_bytes"`
	R2                 Number      `json:"r2"`
	RMSE               Number      `json:"rmse"`
	MAE                Number      `json:"mae"`
	Rows               int         `json:"rows"`
	FitSeconds         Number      `json:"fit_seconds"`
	PredictMsPer1kRows Number      `json:"predict_ms_per_1k_rows"`
	PonderSteps        *Number     `json:"ponder_steps,omitempty"`
	History            []JSONEpoch `json:"history,omitempty"`
}

// JSONEpoch is one point of a learning curve.
type JSONEpoch struct {
	Epoch     int    `json:"epoch"`
	TrainLoss Number `json:"train_loss"`
	ValidRMSE Number `json:"valid_rmse"`
}

// JSONImportance is one feature's importances.
type JSONImportance struct {
	Feature         string `json:"feature"`
	Impurity        Number `json:"impurity"`
	PermutationMean Number `json:"permutation_mean"`
	PermutationStd  Number `json:"permutation_std"`
}

// JSON returns the report's numbers in their JSON form. figures lists,
// per split ID, the figure files drawn.
func (r *Report) JSON(figures map[string][]string) JSONReport {
	out := JSONReport{
		Created: r.Created.UTC(), Machine: r.Machine, Command: r.Command, Data: r.Data,
		Target: r.Target, Unit: r.TargetUnit(), Seeds: r.Seeds, Notes: r.Notes,
	}
	for _, s := range r.Splits {
		js := JSONSplit{
			ID: s.ID, Name: s.Name, Description: s.Description,
			TrainRows: s.Rows[0], ValidRows: s.Rows[1], TestRows: s.Rows[2],
			TestFile: s.TestFile, Notes: s.Notes, Figures: []string{},
		}
		for _, f := range figures[s.ID] {
			js.Figures = append(js.Figures, path.Join(s.ID, f))
		}
		for _, m := range s.Models {
			js.Models = append(js.Models, jsonModel(m))
		}
		out.Splits = append(out.Splits, js)
	}
	return out
}

func jsonModel(m *Model) JSONModel {
	sum := m.Summary()
	stat := func(s Stat) JSONStat { return JSONStat{Mean: Number(s.Mean), Std: Number(s.Std), Runs: s.N} }
	jm := JSONModel{
		Name: m.Name, Key: m.Key, Loaded: m.Loaded,
		Summary: map[string]JSONStat{
			"r2": stat(sum.R2), "rmse": stat(sum.RMSE), "mae": stat(sum.MAE),
			"fit_seconds": stat(sum.FitSeconds), "predict_ms_per_1k_rows": stat(sum.PredictMs),
			"file_bytes": stat(sum.FileBytes),
		},
	}
	if sum.PonderSteps.N > 0 {
		jm.Summary["ponder_steps"] = stat(sum.PonderSteps)
	}
	for _, run := range m.Runs {
		jr := JSONRun{
			Seed: run.Seed, File: run.File, FileBytes: run.FileBytes,
			R2: Number(run.Test.R2), RMSE: Number(run.Test.RMSE), MAE: Number(run.Test.MAE), Rows: run.Test.N,
			FitSeconds: Number(run.FitSeconds), PredictMsPer1kRows: Number(run.PredictMs),
		}
		for _, e := range run.History {
			jr.History = append(jr.History, JSONEpoch{Epoch: e.Epoch, TrainLoss: Number(e.TrainLoss), ValidRMSE: Number(e.ValidRMSE)})
		}
		if run.Steps != nil {
			mean, _ := meanOf(run.Steps)
			n := Number(mean)
			jr.PonderSteps = &n
		}
		jm.Runs = append(jm.Runs, jr)
	}
	for _, imp := range m.Importance {
		jm.Importance = append(jm.Importance, JSONImportance{
			Feature: imp.Feature, Impurity: Number(imp.Impurity),
			PermutationMean: Number(imp.PermutationMean), PermutationStd: Number(imp.PermutationStd),
		})
	}
	return jm
}
