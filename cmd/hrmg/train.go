package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/internal/blas"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
	"github.com/hrmg/hrmg/train"
)

// trainOptions holds what hrmg train does.
type trainOptions struct {
	Load  data.LoadOptions
	Prep  data.PrepOptions
	Model model.Config
	Train train.Config
	// Out is the model file to write.
	Out string
	// Resume continues from Out's checkpoint.
	Resume bool
	// Progress draws a progress bar on stderr; otherwise each epoch is one
	// log line.
	Progress bool
}

func trainCommand() *cli.Command {
	flags := append(dataFlags(), hrmFlags()...)
	flags = append(flags, runFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: "out", Value: "model.hrmg", Usage: "model `FILE` to write; the checkpoint goes to FILE.ckpt, and per-epoch metrics to FILE with its extension replaced by .epochs.jsonl"},
		&cli.BoolFlag{Name: "resume", Usage: "continue an interrupted run from the checkpoint beside --out, with the same flags"},
	)
	return &cli.Command{
		Name:  "train",
		Usage: "train an HRM on a table and save it",
		Description: "Trains the HRM on the training rows, validates after every epoch, scores the test rows\n" +
			"and writes the model file. A checkpoint is written after every epoch and on SIGINT or\n" +
			"SIGTERM; --resume continues from it.",
		Flags:        flags,
		OnUsageError: commandUsageError,
		Action: func(c *cli.Context) error {
			if c.String("target") == "" || c.String("data") == "" {
				return usageError(errors.New("missing --data or --target: name the training table and the column to predict"))
			}
			load, err := loadOptions(c)
			if err != nil {
				return err
			}
			m, t, prep, err := hrmSettings(c)
			if err != nil {
				return err
			}
			if err := applyThreads(c.Int("threads")); err != nil {
				return err
			}
			opts := trainOptions{
				Load: load, Prep: prep, Model: m, Train: t,
				Out:      c.String("out"),
				Resume:   c.Bool("resume"),
				Progress: isTerminal(progressWriter(c)),
			}
			return runTrain(c.Context, opts, c.App.Writer, progressWriter(c), logger(c))
		},
	}
}

// runFlags are the flags that set how a run uses the machine.
func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "threads", Usage: "CPU `THREADS` for matrix products and row-parallel ops; 0 means all cores. Results do not depend on it"},
	}
}

// applyThreads sets the number of threads Go and OpenBLAS use; 0 keeps
// the defaults.
func applyThreads(n int) error {
	if n < 0 {
		return usageError(fmt.Errorf("invalid --threads %d: must be 1 or more, or 0 for all cores", n))
	}
	if n > 0 {
		runtime.GOMAXPROCS(n)
		blas.SetThreads(n)
	}
	return nil
}

// trained is the outcome of fitHRM: the model and its scores.
type trained struct {
	Model  *model.HRM
	Prep   *data.Preprocessor
	Splits *data.Splits
	Result *train.Result
	Test   metrics.Regression
	// TestPonder is the mean ponder steps over the test rows.
	TestPonder float64
	// Seconds is the wall time of training.
	Seconds float64
	Seed    uint64
}

func runTrain(ctx context.Context, opts trainOptions, stdout, progress io.Writer, log *slog.Logger) error {
	if opts.Out == "" {
		return usageError(errors.New("empty --out: name the model file to write"))
	}
	if dir := filepath.Dir(opts.Out); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageError(fmt.Errorf("invalid --out %q: directory %q does not exist", opts.Out, dir))
		}
	}
	checkpoint := opts.Out + ".ckpt"
	if opts.Resume {
		if _, err := os.Stat(checkpoint); err != nil {
			return usageError(fmt.Errorf("--resume: no checkpoint at %s: it is written after each epoch and when a run is interrupted, and removed when a run finishes", checkpoint))
		}
	}

	var rec train.Recorder
	jsonl := newEpochLog(strings.TrimSuffix(opts.Out, filepath.Ext(opts.Out))+".epochs.jsonl", opts.Resume, log)
	if opts.Progress {
		rec = recorders{newProgressBar(progress), jsonl}
	} else {
		rec = recorders{epochLines{log}, jsonl}
	}

	out, err := trainHRM(ctx, opts, train.Options{Checkpoint: checkpoint, Resume: opts.Resume, Recorder: rec}, log)
	if err != nil && !errors.Is(err, context.Canceled) {
		// The epoch log goes with the model file, which a failed run leaves
		// as it was. An interrupted run keeps its log for --resume.
		jsonl.restore()
	}
	if err != nil {
		var diverged *train.DivergedError
		if errors.As(err, &diverged) || errors.Is(err, train.ErrDiverged) {
			// The checkpoint of a run that diverged is no use for
			// resuming; the model file from before the run is untouched.
			if !opts.Resume {
				_ = os.Remove(checkpoint)
			}
			return divergedError(err)
		}
		return err
	}

	if err := saveHRM(opts.Out, out); err != nil {
		return err
	}
	_ = os.Remove(checkpoint)
	log.Info("wrote model", "file", opts.Out, "epochs_log", jsonl.path)
	return printScores(stdout, []scoreRow{
		{Model: "hrm", Split: "valid", Score: out.Result.Final, Ponder: out.Result.FinalPonderSteps},
		{Model: "hrm", Split: "test", Score: out.Test, Ponder: out.TestPonder},
	})
}

// trainHRM loads the data, fits the preprocessing, trains the HRM and
// scores it on the test rows.
func trainHRM(ctx context.Context, opts trainOptions, topts train.Options, log *slog.Logger) (*trained, error) {
	splits, err := data.Load(ctx, opts.Load)
	if err != nil {
		return nil, loadError(err)
	}
	logWarnings(log, splits.Warnings)
	enc, err := encodeForHRM(splits, opts.Load.Select, opts.Prep, log)
	if err != nil {
		return nil, err
	}
	return fitHRM(ctx, enc, opts.Model, opts.Train, opts.Load.Split.Seed, topts, log)
}

// hrmData is a split encoded for the HRM, with its preprocessing.
type hrmData struct {
	splits             *data.Splits
	prep               *data.Preprocessor
	train, valid, test *data.Frame
}

// encodeForHRM fits the HRM's preprocessing on the training rows and
// encodes the training, validation and test rows with it.
func encodeForHRM(splits *data.Splits, sel data.Selection, opts data.PrepOptions, log *slog.Logger) (*hrmData, error) {
	prep, warnings, err := data.FitPreprocessor(splits.Train, sel, opts)
	if err != nil {
		return nil, loadError(err)
	}
	logWarnings(log, warnings)
	logImputation(log, prep, splits)
	frames := make([]*data.Frame, 3)
	for i, t := range []*data.Table{splits.Train, splits.Valid, splits.Test} {
		f, warnings, err := prep.Transform(t)
		if err != nil {
			return nil, loadError(err)
		}
		logWarnings(log, warnings)
		frames[i] = f
	}
	return &hrmData{splits: splits, prep: prep, train: frames[0], valid: frames[1], test: frames[2]}, nil
}

// fitHRM trains a new HRM whose weights and row order come from seed, and
// scores it on the test rows.
func fitHRM(ctx context.Context, d *hrmData, mcfg model.Config, tcfg train.Config, seed uint64, topts train.Options, log *slog.Logger) (*trained, error) {
	m, err := model.New(mcfg, d.prep.Features(), seed)
	if err != nil {
		return nil, usageError(err)
	}
	cfg := tcfg
	cfg.Seed = seed
	log.Info("training HRM",
		"rows", fmt.Sprintf("%d/%d/%d", d.train.X.Rows, d.valid.X.Rows, d.test.X.Rows),
		"features", len(d.prep.Features()), "parameters", m.NumParams(),
		"hidden", mcfg.Hidden, "halting", mcfg.Halting, "input", mcfg.Input,
		"segments", mcfg.Segments, "epochs", cfg.Epochs, "batch", cfg.Batch, "lr", cfg.LR,
		"blas", blas.Name, "threads", runtime.GOMAXPROCS(0))

	start := time.Now()
	res, err := train.Fit(ctx, train.Input{
		Model: m, Train: d.train, Valid: d.valid,
		ToTarget:    d.prep.TargetFromModel,
		Fingerprint: d.splits.Fingerprint,
	}, cfg, topts)
	if err != nil {
		return nil, err
	}
	seconds := time.Since(start).Seconds()

	test, ponder, err := scoreHRM(ctx, m, d.prep, d.test)
	if err != nil {
		return nil, err
	}
	return &trained{Model: m, Prep: d.prep, Splits: d.splits, Result: res, Test: test, TestPonder: ponder, Seconds: seconds, Seed: seed}, nil
}

// scoreHRM predicts a labelled frame and scores it in target units. It
// returns the metrics and the mean ponder steps.
func scoreHRM(ctx context.Context, m *model.HRM, prep *data.Preprocessor, f *data.Frame) (metrics.Regression, float64, error) {
	pred, steps, err := predictHRM(ctx, m, prep, f)
	if err != nil {
		return metrics.Regression{}, 0, err
	}
	r, err := metrics.Score(f.Y, pred)
	if err != nil {
		return metrics.Regression{}, 0, fmt.Errorf("score: %w", err)
	}
	mean, _ := metrics.MeanStd(steps)
	return r, mean, nil
}

// predictHRM returns predictions in target units and ponder steps.
func predictHRM(ctx context.Context, m *model.HRM, prep *data.Preprocessor, f *data.Frame) (pred, steps []float64, err error) {
	x := make([]float64, len(f.X.Data))
	for i, v := range f.X.Data {
		x[i] = float64(v)
	}
	pred, steps, err = m.Predict(ctx, x, 4096)
	if err != nil {
		return nil, nil, err
	}
	for i, z := range pred {
		pred[i] = prep.TargetFromModel(z)
	}
	return pred, steps, nil
}

// saveHRM writes the model file with its preprocessing and scores.
func saveHRM(path string, t *trained) error {
	prep, err := json.Marshal(t.Prep)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	final := t.Result.Final
	meta := modelfile.Metadata{
		Seed:            t.Seed,
		DataFingerprint: t.Splits.Fingerprint,
		Version:         version,
		Metrics: map[string]float64{
			"valid_r2": final.R2, "valid_rmse": final.RMSE, "valid_mae": final.MAE,
			"test_r2": t.Test.R2, "test_rmse": t.Test.RMSE, "test_mae": t.Test.MAE,
			"best_epoch": float64(t.Result.BestEpoch), "epochs": float64(len(t.Result.History)),
		},
	}
	if err := model.Save(path, t.Model, prep, meta); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}
