package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/modelfile"
	"github.com/hrmg/hrmg/report"
	"github.com/hrmg/hrmg/train"
)

// testRowsFile is the name of the CSV of a split's test rows, in the
// split's directory.
const testRowsFile = "test.csv"

// comparer fits and scores every model on each split of one comparison.
type comparer struct {
	opts  compareOptions
	seeds []uint64
	// loaded is the HRM of --model, or nil.
	loaded   *savedModel
	log      *slog.Logger
	progress io.Writer
}

// splitPlan is one split to compare the models on.
type splitPlan struct {
	id, name, description string
	splits                *data.Splits
	// lat and lon name the coordinate columns; empty without coordinates.
	lat, lon string
	// scoreLoaded scores the --model HRM on this split instead of training
	// HRMs; with --model, the other splits get no HRM.
	scoreLoaded bool
	notes       []string
}

// compareSplit fits and scores every model on the split, saving the model
// files and the test rows in the split's directory.
func (c *comparer) compareSplit(ctx context.Context, plan splitPlan) (*report.Split, error) {
	dir := filepath.Join(c.opts.OutDir, plan.id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	sp := plan.splits
	s := &report.Split{
		ID: plan.id, Name: plan.name, Description: plan.description,
		Rows:     [3]int{sp.Train.Len(), sp.Valid.Len(), sp.Test.Len()},
		TestFile: path.Join(plan.id, testRowsFile),
		Notes:    slices.Clone(plan.notes),
	}
	if err := writeTablesCSV(filepath.Join(dir, testRowsFile), sp.Test); err != nil {
		return nil, fmt.Errorf("save the %s's test rows: %w", plan.name, err)
	}
	var err error
	if s.Truth, err = sp.Test.Numbers(c.opts.Load.Select.Target); err != nil {
		return nil, loadError(err)
	}
	if plan.lat != "" {
		if s.Lat, err = sp.Test.Numbers(plan.lat); err != nil {
			return nil, loadError(err)
		}
		if s.Lon, err = sp.Test.Numbers(plan.lon); err != nil {
			return nil, loadError(err)
		}
	}

	log := c.log.With("split", plan.id)
	log.Info("comparing models", "split", plan.name, "train_rows", s.Rows[0], "valid_rows", s.Rows[1], "test_rows", s.Rows[2])
	var hrm *report.Model
	switch {
	case c.loaded == nil:
		hrm, err = c.fitHRMs(ctx, plan, dir, log)
	case plan.scoreLoaded:
		hrm, err = c.scoreLoadedHRM(ctx, plan, dir, log)
		s.Notes = append(s.Notes, fmt.Sprintf("The HRM is %s, loaded with --model, not trained in this run.", c.opts.ModelFile))
		if c.loaded.Meta.DataFingerprint != sp.Fingerprint {
			note := fmt.Sprintf("The HRM from %s was trained on other rows than this split's training rows, so this split's test rows may include rows it was trained on.", c.opts.ModelFile)
			s.Notes = append(s.Notes, note)
			log.Warn(note)
		}
	default:
		s.Notes = append(s.Notes, "No HRM on this split: the model from --model was trained on another split's training rows, which may include this split's test rows. Run hrmg compare without --model to train one here.")
	}
	if err != nil {
		return nil, err
	}
	if hrm != nil {
		s.Models = append(s.Models, hrm)
	}
	trees, err := c.fitTrees(ctx, plan, dir, log)
	if err != nil {
		return nil, err
	}
	s.Models = append(s.Models, trees...)
	return s, nil
}

// historyRecorder keeps the learning curve of a training run.
type historyRecorder struct{ epochs []report.Epoch }

func (h *historyRecorder) Batch(train.BatchProgress) {}

func (h *historyRecorder) Epoch(s train.EpochStats) {
	h.epochs = append(h.epochs, report.Epoch{Epoch: s.Epoch, TrainLoss: s.TrainLoss, ValidRMSE: s.ValidRMSE})
}

// fitHRMs trains one HRM per seed on the split, saves each and scores it
// on the test rows.
func (c *comparer) fitHRMs(ctx context.Context, plan splitPlan, dir string, log *slog.Logger) (*report.Model, error) {
	prep := c.opts.Prep
	prep.Lat, prep.Lon = plan.lat, plan.lon
	enc, err := encodeForHRM(plan.splits, c.opts.Load.Select, prep, log)
	if err != nil {
		return nil, err
	}
	m := &report.Model{Name: "HRM", Key: "hrm"}
	for _, seed := range c.seeds {
		file := fmt.Sprintf("hrm-seed%d.hrmg", seed)
		modelPath := filepath.Join(dir, file)
		runLog := log.With("model", "hrm", "seed", seed)
		history := &historyRecorder{}
		jsonl := &epochLog{path: strings.TrimSuffix(modelPath, ".hrmg") + ".epochs.jsonl", log: runLog}
		rec := recorders{history, jsonl, epochLines{runLog}}
		if c.opts.Progress {
			rec[2] = newProgressBar(c.progress)
		}

		t, err := fitHRM(ctx, enc, c.opts.Model, c.opts.Train, seed, train.Options{Recorder: rec}, runLog)
		if err != nil {
			var diverged *train.DivergedError
			if errors.As(err, &diverged) || errors.Is(err, train.ErrDiverged) {
				return nil, divergedError(fmt.Errorf("%s, seed %d: %w", plan.name, seed, err))
			}
			return nil, err
		}
		if err := saveHRM(modelPath, t); err != nil {
			return nil, err
		}

		var pred, steps []float64
		ms, err := timePredict(enc.test.X.Rows, func() error {
			var err error
			pred, steps, err = predictHRM(ctx, t.Model, enc.prep, enc.test)
			return err
		})
		if err != nil {
			return nil, err
		}
		run, err := newRun(seed, c.opts.OutDir, modelPath, enc.test.Y, pred, t.Seconds, ms)
		if err != nil {
			return nil, err
		}
		run.Steps, run.History = steps, history.epochs
		m.Runs = append(m.Runs, run)
		runLog.Info("fitted HRM", "test_r2", round(run.Test.R2, 4), "test_rmse", round(run.Test.RMSE, 6),
			"fit_seconds", round3(run.FitSeconds), "file", modelPath)
	}
	return m, nil
}

// scoreLoadedHRM scores the --model HRM on the split's test rows and
// copies its file into the split's directory. Its learning curve comes
// from the epoch log hrmg train wrote beside it, when that exists.
func (c *comparer) scoreLoadedHRM(ctx context.Context, plan splitPlan, dir string, log *slog.Logger) (*report.Model, error) {
	lm := c.loaded
	if err := c.checkLoadedColumns(plan.splits); err != nil {
		return nil, err
	}
	frame, warnings, err := lm.Prep.Transform(plan.splits.Test)
	if err != nil {
		return nil, loadError(err)
	}
	logWarnings(log, warnings)

	var pred, steps []float64
	ms, err := timePredict(frame.X.Rows, func() error {
		var err error
		pred, steps, err = lm.predict(ctx, frame)
		return err
	})
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(c.opts.ModelFile)
	if err != nil {
		return nil, fmt.Errorf("copy --model: %w", err)
	}
	modelPath := filepath.Join(dir, fmt.Sprintf("hrm-seed%d.hrmg", lm.Meta.Seed))
	if err := modelfile.WriteFileAtomic(modelPath, b, 0o644); err != nil {
		return nil, fmt.Errorf("copy --model: %w", err)
	}
	run, err := newRun(lm.Meta.Seed, c.opts.OutDir, modelPath, frame.Y, pred, math.NaN(), ms)
	if err != nil {
		return nil, err
	}
	run.Steps = steps
	epochs := strings.TrimSuffix(c.opts.ModelFile, filepath.Ext(c.opts.ModelFile)) + ".epochs.jsonl"
	if run.History, err = readEpochLog(epochs); err != nil {
		log.Warn("learning curve left out", "file", epochs, "error", err)
	}
	log.Info("scored loaded HRM", "file", c.opts.ModelFile, "test_r2", round(run.Test.R2, 4))
	return &report.Model{Name: "HRM", Key: "hrm", Loaded: true, Runs: []report.Run{run}}, nil
}

// checkLoadedColumns checks that the --model HRM predicts this run's
// target from the input columns this run's selection gives.
func (c *comparer) checkLoadedColumns(splits *data.Splits) error {
	lm := c.loaded
	sel := c.opts.Load.Select
	if lm.Prep.Target() != sel.Target {
		return usageError(fmt.Errorf("--model %s predicts %q, not --target %q", c.opts.ModelFile, lm.Prep.Target(), sel.Target))
	}
	selected, _, err := data.FitPreprocessor(splits.Train, sel, c.opts.Prep)
	if err != nil {
		return loadError(err)
	}
	want, got := slices.Sorted(slices.Values(selected.InputColumns())), slices.Sorted(slices.Values(lm.Prep.InputColumns()))
	if !slices.Equal(want, got) {
		return usageError(fmt.Errorf("--model %s was trained on the input columns %s, but this run selects %s: pass the --features, --drop and --id of its training run",
			c.opts.ModelFile, strings.Join(got, ", "), strings.Join(want, ", ")))
	}
	return nil
}

// readEpochLog reads the learning curve from an epoch log written by hrmg
// train. A missing file gives no curve and no error.
func readEpochLog(path string) ([]report.Epoch, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []report.Epoch
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var s train.EpochStats
		if err := json.Unmarshal(line, &s); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out = append(out, report.Epoch{Epoch: s.Epoch, TrainLoss: s.TrainLoss, ValidRMSE: s.ValidRMSE})
	}
	return out, nil
}

// fitTrees fits one random forest and one gradient boosting model per
// seed on the split, saves each, scores it on the test rows and computes
// the first seed's feature importances.
func (c *comparer) fitTrees(ctx context.Context, plan splitPlan, dir string, log *slog.Logger) ([]*report.Model, error) {
	enc, err := encodeSplitsForTrees(plan.splits, c.opts.Load.Select, log)
	if err != nil {
		return nil, err
	}
	forest := &report.Model{Name: "random forest", Key: "random-forest", PermutationRepeats: permutationRepeats}
	gbm := &report.Model{Name: "gradient boosting", Key: "gradient-boosting", PermutationRepeats: permutationRepeats}
	for k, seed := range c.seeds {
		fcfg := c.opts.Forest
		fcfg.Seed = seed
		start := time.Now()
		f, err := baselines.FitForest(ctx, enc.train.X, enc.trainY, fcfg)
		if err != nil {
			return nil, fitError(err)
		}
		forestSeconds := time.Since(start).Seconds()

		gcfg := c.opts.GBM
		gcfg.Seed = seed
		start = time.Now()
		g, err := baselines.FitGBM(ctx, enc.train.X, enc.trainY, gcfg, &baselines.EvalSet{X: enc.valid.X, Y: enc.validY})
		if err != nil {
			return nil, fitError(err)
		}
		gbmSeconds := time.Since(start).Seconds()

		for _, fitted := range []struct {
			m       *report.Model
			r       baselines.Regressor
			seconds float64
		}{{forest, f, forestSeconds}, {gbm, g, gbmSeconds}} {
			run, err := c.scoreTree(ctx, fitted.r, enc, seed, dir, fitted.m.Key, fitted.seconds)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fitted.m.Name, err)
			}
			fitted.m.Runs = append(fitted.m.Runs, run)
			log.Info("fitted "+fitted.m.Name, "seed", seed, "test_r2", round(run.Test.R2, 4), "test_rmse", round(run.Test.RMSE, 6),
				"fit_seconds", round3(run.FitSeconds), "file", filepath.Join(c.opts.OutDir, run.File))
			if k == 0 {
				if fitted.m.Importance, err = c.importance(ctx, fitted.r, enc, seed); err != nil {
					return nil, fmt.Errorf("%s: %w", fitted.m.Name, err)
				}
			}
		}
	}
	return []*report.Model{forest, gbm}, nil
}

// scoreTree times the model's predictions of the test rows, scores them
// in target units and saves the model as <key>-seed<seed>.hrmg in dir.
func (c *comparer) scoreTree(ctx context.Context, r baselines.Regressor, enc *treeData, seed uint64, dir, key string, fitSeconds float64) (report.Run, error) {
	x := enc.test.X
	pred := make([]float64, x.Rows)
	ms, err := timePredict(x.Rows, func() error {
		baselines.PredictParallel(r, x, pred, c.opts.Forest.Threads)
		return ctx.Err()
	})
	if err != nil {
		return report.Run{}, err
	}
	for i, z := range pred {
		pred[i] = enc.prep.TargetFromModel(z)
	}
	score, err := metrics.Score(enc.test.Y, pred)
	if err != nil {
		return report.Run{}, fmt.Errorf("score: %w", err)
	}
	meta := modelfile.Metadata{
		Seed:            seed,
		DataFingerprint: enc.fingerprint,
		Metrics:         map[string]float64{"test_r2": score.R2, "test_rmse": score.RMSE, "test_mae": score.MAE},
		Version:         version,
	}
	modelPath := filepath.Join(dir, fmt.Sprintf("%s-seed%d.hrmg", key, seed))
	if err := baselines.Save(modelPath, r, enc.prepJSON, meta); err != nil {
		return report.Run{}, fmt.Errorf("save: %w", err)
	}
	return newRun(seed, c.opts.OutDir, modelPath, enc.test.Y, pred, fitSeconds, ms)
}

// importance returns the model's impurity and permutation importances,
// the latter on the test rows.
func (c *comparer) importance(ctx context.Context, r baselines.Regressor, enc *treeData, seed uint64) ([]report.Importance, error) {
	perm, err := baselines.PermutationImportance(ctx, r, enc.test.X, enc.testY, baselines.PermutationOptions{
		Repeats: permutationRepeats, Seed: seed, Threads: c.opts.Forest.Threads,
	})
	if err != nil {
		return nil, err
	}
	impurity := r.FeatureImportance()
	names := enc.prep.Features()
	out := make([]report.Importance, len(names))
	for i, name := range names {
		out[i] = report.Importance{Feature: name, Impurity: impurity[i]}
	}
	for _, p := range perm {
		out[p.Feature].PermutationMean, out[p.Feature].PermutationStd = p.Mean, p.Std
	}
	return out, nil
}

// newRun scores predictions against the truth and records the saved
// model's path relative to outDir and its size.
func newRun(seed uint64, outDir, modelPath string, truth, pred []float64, fitSeconds, predictMs float64) (report.Run, error) {
	score, err := metrics.Score(truth, pred)
	if err != nil {
		return report.Run{}, fmt.Errorf("score: %w", err)
	}
	st, err := os.Stat(modelPath)
	if err != nil {
		return report.Run{}, err
	}
	rel, err := filepath.Rel(outDir, modelPath)
	if err != nil {
		return report.Run{}, err
	}
	return report.Run{
		Seed: seed, File: filepath.ToSlash(rel), FileBytes: st.Size(), Test: score,
		FitSeconds: fitSeconds, PredictMs: predictMs, Pred: pred,
	}, nil
}
