package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/modelfile"
)

// The file names hrmg baselines writes in --out-dir.
const (
	forestFile = "random-forest.hrmg"
	gbmFile    = "gradient-boosting.hrmg"
)

// permutationRepeats is the number of shuffles per feature for
// --importance, scikit-learn's default.
const permutationRepeats = 5

// baselinesOptions holds what hrmg baselines does.
type baselinesOptions struct {
	Load   data.LoadOptions
	Forest baselines.ForestConfig
	GBM    baselines.GBMConfig
	// OutDir receives the two model files; it is created if missing.
	OutDir string
	// Importance is how many features to list per model by permutation
	// importance on the test rows; 0 lists none.
	Importance int
	// Aligned pads the output into columns for a person at a terminal;
	// otherwise fields are separated by tabs for other programs.
	Aligned bool
}

// gbmPresets are the starting points of --gbm-preset.
var gbmPresets = map[string]func() baselines.GBMConfig{
	"tuned":   baselines.DefaultGBMConfig,
	"sklearn": baselines.SklearnGBMConfig,
}

func baselinesCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "`DIR` that receives " + forestFile + " and " + gbmFile + " (created if missing)"},
		&cli.IntFlag{Name: "threads", Usage: "`N` goroutines for fitting, prediction and importance; 0 means all cores (the models never depend on it)"},
		&cli.IntFlag{Name: "importance", Usage: "list the `N` features whose shuffling lowers each model's test R² most (permutation importance, 5 shuffles each); 0 lists none"},
	}
	return &cli.Command{
		Name:  "baselines",
		Usage: "fit a random forest and gradient boosting on the split, print their test scores and save both",
		Description: "Loads and splits the data as every hrmg command does, encodes it for trees (imputation and one-hot, no\n" +
			"scaling), fits both models on the training rows (the validation rows only drive early stopping)\n" +
			"and scores them on the test rows. --seed seeds the split and both models; the same seed and\n" +
			"data give the same models whatever --threads is.\n\n" +
			"Example:\n" +
			"  hrmg baselines --data datasets/california-housing/train.csv \\\n" +
			"    --valid datasets/california-housing/valid.csv --test datasets/california-housing/test.csv \\\n" +
			"    --target median_house_value --out-dir models",
		Flags: append(append(dataFlags(), flags...), treeFlags()...),
		// A flag value that does not parse is a usage error: one line on
		// stderr, no help text on stdout.
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError(err)
		},
		Action: func(c *cli.Context) error {
			load, err := loadOptions(c)
			if err != nil {
				return err
			}
			opts, err := baselinesOptionsFrom(c, load)
			if err != nil {
				return err
			}
			return runBaselines(c.Context, opts, c.App.Writer, logger(c))
		},
	}
}

// treeFlags returns the hyperparameter flags of the random forest and
// gradient boosting. baselines and compare share them.
func treeFlags() []cli.Flag {
	rf := baselines.DefaultForestConfig()
	gb := baselines.DefaultGBMConfig()
	return []cli.Flag{
		&cli.IntFlag{Name: "rf-trees", Value: rf.Trees, Usage: "`N` trees in the random forest"},
		&cli.Float64Flag{Name: "rf-max-features", Value: rf.MaxFeatures, Usage: "`FRACTION` of the features the forest tries at each split, in (0, 1]"},
		&cli.IntFlag{Name: "rf-max-depth", Value: rf.MaxDepth, Usage: "maximum `LEVELS` of splits in a forest tree; 0 means unlimited"},
		&cli.IntFlag{Name: "rf-min-samples-leaf", Value: rf.MinSamplesLeaf, Usage: "minimum number of distinct training `ROWS` in a forest leaf"},
		&cli.BoolFlag{Name: "rf-no-bootstrap", Usage: "fit every forest tree on all training rows instead of a bootstrap sample"},

		&cli.StringFlag{Name: "gbm-preset", Value: "tuned", Usage: "`PRESET` hyperparameters of gradient boosting: tuned (the defaults shown here) or sklearn (scikit-learn's GradientBoostingRegressor: 100 exact trees of depth 3, learning rate 0.1, all rows and features, no L2, no early stopping); the --gbm-* flags given override it"},
		&cli.StringFlag{Name: "gbm-splitter", Value: string(gb.Splitter), Usage: "split search `METHOD`: hist (features binned on the training rows) or exact (every distinct value)"},
		&cli.IntFlag{Name: "gbm-trees", Value: gb.Trees, Usage: "most boosting `ROUNDS`, one tree each"},
		&cli.Float64Flag{Name: "gbm-learning-rate", Value: gb.LearningRate, Usage: "`RATE` that multiplies each tree's leaf values, in (0, 1]"},
		&cli.IntFlag{Name: "gbm-max-depth", Value: gb.MaxDepth, Usage: "maximum `LEVELS` of splits in a boosted tree; 0 means unlimited"},
		&cli.IntFlag{Name: "gbm-max-leaves", Value: gb.MaxLeaves, Usage: "most `LEAVES` per boosted tree, grown best split first (hist only); 0 means unlimited"},
		&cli.IntFlag{Name: "gbm-min-samples-leaf", Value: gb.MinSamplesLeaf, Usage: "minimum number of training `ROWS` in a boosted leaf"},
		&cli.Float64Flag{Name: "gbm-l2", Value: gb.L2, Usage: "L2 `PENALTY` on leaf values, in rows: a leaf predicts its residual sum divided by (rows + PENALTY)"},
		&cli.Float64Flag{Name: "gbm-subsample", Value: gb.Subsample, Usage: "`FRACTION` of the training rows drawn for each tree, in (0, 1]"},
		&cli.Float64Flag{Name: "gbm-colsample", Value: gb.ColSample, Usage: "`FRACTION` of the features drawn for each tree, in (0, 1]"},
		&cli.IntFlag{Name: "gbm-max-bins", Value: gb.MaxBins, Usage: "most `BINS` per feature for --gbm-splitter hist, 2 to 255"},
		&cli.IntFlag{Name: "gbm-early-stopping", Value: gb.EarlyStoppingRounds, Usage: "stop after `ROUNDS` rounds without a lower validation RMSE and keep the best round's trees; 0 turns early stopping off"},
	}
}

// baselinesOptionsFrom fills the options from the command's flags.
func baselinesOptionsFrom(c *cli.Context, load data.LoadOptions) (baselinesOptions, error) {
	opts := baselinesOptions{
		Load:       load,
		OutDir:     c.String("out-dir"),
		Importance: c.Int("importance"),
		Aligned:    isTerminal(c.App.Writer),
	}
	var err error
	opts.Forest, opts.GBM, err = treeConfigs(c, c.Uint64("seed"), c.Int("threads"))
	return opts, err
}

// treeConfigs reads the flags of treeFlags into the two models'
// configurations, with the given seed and threads.
func treeConfigs(c *cli.Context, seed uint64, threads int) (baselines.ForestConfig, baselines.GBMConfig, error) {
	forest := baselines.ForestConfig{
		Trees:          c.Int("rf-trees"),
		MaxFeatures:    c.Float64("rf-max-features"),
		MaxDepth:       c.Int("rf-max-depth"),
		MinSamplesLeaf: c.Int("rf-min-samples-leaf"),
		NoBootstrap:    c.Bool("rf-no-bootstrap"),
		Seed:           seed,
		Threads:        threads,
	}

	preset, ok := gbmPresets[c.String("gbm-preset")]
	if !ok {
		return forest, baselines.GBMConfig{}, usageError(fmt.Errorf("invalid --gbm-preset %q: use tuned or sklearn", c.String("gbm-preset")))
	}
	gb := preset()
	setInt := func(name string, dst *int) {
		if c.IsSet(name) {
			*dst = c.Int(name)
		}
	}
	setFloat := func(name string, dst *float64) {
		if c.IsSet(name) {
			*dst = c.Float64(name)
		}
	}
	if c.IsSet("gbm-splitter") {
		gb.Splitter = baselines.Splitter(c.String("gbm-splitter"))
	}
	setInt("gbm-trees", &gb.Trees)
	setFloat("gbm-learning-rate", &gb.LearningRate)
	setInt("gbm-max-depth", &gb.MaxDepth)
	setInt("gbm-max-leaves", &gb.MaxLeaves)
	setInt("gbm-min-samples-leaf", &gb.MinSamplesLeaf)
	setFloat("gbm-l2", &gb.L2)
	setFloat("gbm-subsample", &gb.Subsample)
	setFloat("gbm-colsample", &gb.ColSample)
	setInt("gbm-max-bins", &gb.MaxBins)
	setInt("gbm-early-stopping", &gb.EarlyStoppingRounds)
	gb.Seed, gb.Threads = seed, threads
	return forest, gb, nil
}

// configFlags maps a configuration field to the flag that sets it.
var configFlags = map[string]map[string]string{
	"random forest": {
		"Trees":          "rf-trees",
		"MaxFeatures":    "rf-max-features",
		"MaxDepth":       "rf-max-depth",
		"MinSamplesLeaf": "rf-min-samples-leaf",
		"Threads":        "threads",
	},
	"gradient boosting": {
		"Splitter":            "gbm-splitter",
		"Trees":               "gbm-trees",
		"LearningRate":        "gbm-learning-rate",
		"MaxDepth":            "gbm-max-depth",
		"MaxLeaves":           "gbm-max-leaves",
		"MinSamplesLeaf":      "gbm-min-samples-leaf",
		"L2":                  "gbm-l2",
		"Subsample":           "gbm-subsample",
		"ColSample":           "gbm-colsample",
		"MaxBins":             "gbm-max-bins",
		"EarlyStoppingRounds": "gbm-early-stopping",
		"Threads":             "threads",
	},
}

// flagError rewords a hyperparameter error with the flag's name.
func flagError(err error) error {
	var ce *baselines.ConfigError
	if errors.As(err, &ce) {
		if name, ok := configFlags[ce.Model][ce.Field]; ok {
			return usageError(fmt.Errorf("invalid --%s %v: must be %s", name, ce.Value, ce.Allowed))
		}
	}
	return usageError(err)
}

// baselineResult is one model's line of the output table.
type baselineResult struct {
	name  string
	model baselines.Regressor
	file  string
	score metrics.Regression
	// fitSeconds is the wall time of the fit alone, without loading.
	fitSeconds float64
	// predictMs is the wall time to predict 1,000 test rows.
	predictMs float64
}

// runBaselines fits, scores and saves both models, printing the table to
// stdout and progress to log.
func runBaselines(ctx context.Context, opts baselinesOptions, stdout io.Writer, log *slog.Logger) error {
	switch {
	case opts.Load.Train == "":
		return usageError(errors.New("missing --data FILE: the training table"))
	case opts.Load.Select.Target == "":
		return usageError(errors.New("missing --target COLUMN: the numeric column to predict"))
	case opts.Importance < 0:
		return usageError(fmt.Errorf("invalid --importance %d: must be an integer >= 0", opts.Importance))
	}
	if err := opts.Forest.Validate(); err != nil {
		return flagError(err)
	}
	if err := opts.GBM.Validate(); err != nil {
		return flagError(err)
	}

	enc, err := encodeForTrees(ctx, opts.Load, log)
	if err != nil {
		return err
	}
	log.Info("random forest", "config", jsonText(opts.Forest))
	log.Info("gradient boosting", "config", jsonText(opts.GBM))

	threads := opts.Forest.Threads
	results := []*baselineResult{
		{name: "random forest", file: forestFile},
		{name: "gradient boosting", file: gbmFile},
	}

	start := time.Now()
	forest, err := baselines.FitForest(ctx, enc.train.X, enc.trainY, opts.Forest)
	if err != nil {
		return fitError(err)
	}
	results[0].model, results[0].fitSeconds = forest, time.Since(start).Seconds()
	log.Info("fitted random forest", "trees", len(forest.Trees), "seconds", round3(results[0].fitSeconds))

	start = time.Now()
	gbm, err := baselines.FitGBM(ctx, enc.train.X, enc.trainY, opts.GBM, &baselines.EvalSet{X: enc.valid.X, Y: enc.validY})
	if err != nil {
		return fitError(err)
	}
	results[1].model, results[1].fitSeconds = gbm, time.Since(start).Seconds()
	bestRMSE := slices.Min(gbm.ValidRMSE)
	log.Info("fitted gradient boosting", "trees", len(gbm.Trees), "rounds", gbm.Rounds,
		"best_valid_rmse_model_units", bestRMSE, "seconds", round3(results[1].fitSeconds))

	for _, r := range results {
		if r.score, r.predictMs, err = scoreOnTest(r.model, enc, threads); err != nil {
			return fmt.Errorf("score %s: %w", r.name, err)
		}
	}
	if err := saveBaselines(opts.OutDir, results, enc, log); err != nil {
		return err
	}

	if err := printBaselines(stdout, opts.Aligned, results); err != nil {
		return err
	}
	if opts.Importance > 0 {
		return printImportance(ctx, stdout, opts, enc, results)
	}
	return nil
}

// treeData is the split encoded for the tree models.
type treeData struct {
	prep                  *data.Preprocessor
	prepJSON              json.RawMessage
	fingerprint           string
	train, valid, test    *data.Frame
	trainY, validY, testY []float64 // targets in model units
}

// encodeForTrees loads and splits the data, fits the preprocessing on the
// training rows (no scaling: trees do not need it) and encodes each part.
func encodeForTrees(ctx context.Context, load data.LoadOptions, log *slog.Logger) (*treeData, error) {
	splits, err := data.Load(ctx, load)
	if err != nil {
		return nil, loadError(err)
	}
	logWarnings(log, splits.Warnings)
	return encodeSplitsForTrees(splits, load.Select, log)
}

// encodeSplitsForTrees fits the trees' preprocessing on the training rows
// of loaded splits and encodes each part.
func encodeSplitsForTrees(splits *data.Splits, sel data.Selection, log *slog.Logger) (*treeData, error) {
	prep, warnings, err := data.FitPreprocessor(splits.Train, sel, data.PrepOptions{Scale: data.ScaleNone})
	if err != nil {
		return nil, loadError(err)
	}
	logWarnings(log, warnings)
	prepJSON, err := json.Marshal(prep)
	if err != nil {
		return nil, fmt.Errorf("encode the preprocessing: %w", err)
	}

	enc := &treeData{prep: prep, prepJSON: prepJSON, fingerprint: splits.Fingerprint}
	for _, part := range []struct {
		table *data.Table
		frame **data.Frame
		y     *[]float64
	}{{splits.Train, &enc.train, &enc.trainY}, {splits.Valid, &enc.valid, &enc.validY}, {splits.Test, &enc.test, &enc.testY}} {
		f, warnings, err := prep.Transform(part.table)
		if err != nil {
			return nil, loadError(err)
		}
		logWarnings(log, warnings)
		*part.frame = f
		*part.y = make([]float64, len(f.YModel))
		for i, v := range f.YModel {
			(*part.y)[i] = float64(v)
		}
	}
	log.Info("data", "split_method", splits.Method, "train_rows", enc.train.X.Rows, "valid_rows", enc.valid.X.Rows,
		"test_rows", enc.test.X.Rows, "features", enc.train.X.Cols)
	return enc, nil
}

// fitError gives a fit error its exit status. Cancellation keeps its own;
// anything else the data caused.
func fitError(err error) error {
	var ce *baselines.ConfigError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ce):
		return flagError(err)
	}
	return dataError(err)
}

// minTimedPredict is how long scoreOnTest repeats prediction to time it,
// so that a small test set still gives a stable figure.
const minTimedPredict = 100 * time.Millisecond

// timePredict calls predict, which predicts rows rows, until
// minTimedPredict has passed and at least once. It returns the mean wall
// time per 1,000 rows in milliseconds.
func timePredict(rows int, predict func() error) (float64, error) {
	start := time.Now()
	runs := 0
	for runs == 0 || time.Since(start) < minTimedPredict {
		if err := predict(); err != nil {
			return 0, err
		}
		runs++
	}
	return float64(time.Since(start).Microseconds()) / 1000 / float64(runs) / float64(rows) * 1000, nil
}

// scoreOnTest returns the model's test metrics in the target's units and
// its prediction time per 1,000 rows.
func scoreOnTest(m baselines.Regressor, enc *treeData, threads int) (metrics.Regression, float64, error) {
	x := enc.test.X
	pred := make([]float64, x.Rows)
	ms, err := timePredict(x.Rows, func() error {
		baselines.PredictParallel(m, x, pred, threads)
		return nil
	})
	if err != nil {
		return metrics.Regression{}, 0, err
	}

	for i, v := range pred {
		pred[i] = enc.prep.TargetFromModel(v)
	}
	s, err := metrics.Score(enc.test.Y, pred)
	return s, ms, err
}

// saveBaselines writes both models to dir with the preprocessing and the
// test metrics. Timings are left out, so the same seed and data give the
// same bytes.
func saveBaselines(dir string, results []*baselineResult, enc *treeData, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create --out-dir: %w", err)
	}
	for _, r := range results {
		meta := modelfile.Metadata{
			DataFingerprint: enc.fingerprint,
			Metrics: map[string]float64{
				"test_r2":   r.score.R2,
				"test_rmse": r.score.RMSE,
				"test_mae":  r.score.MAE,
			},
			Version: version,
		}
		path := filepath.Join(dir, r.file)
		if err := baselines.Save(path, r.model, enc.prepJSON, meta); err != nil {
			return fmt.Errorf("save %s: %w", r.name, err)
		}
		log.Info("saved model", "model", r.name, "path", path)
	}
	return nil
}

// printBaselines writes the results table.
func printBaselines(stdout io.Writer, aligned bool, results []*baselineResult) error {
	rows := [][]string{{"model", "test R²", "RMSE", "MAE", "fit s", "predict ms/1k rows", "trees"}}
	for _, r := range results {
		trees := 0
		switch m := r.model.(type) {
		case *baselines.Forest:
			trees = len(m.Trees)
		case *baselines.GBM:
			trees = len(m.Trees)
		}
		rows = append(rows, []string{
			r.name,
			fmt.Sprintf("%.4f", r.score.R2),
			fmt.Sprintf("%.6g", r.score.RMSE),
			fmt.Sprintf("%.6g", r.score.MAE),
			fmt.Sprintf("%.2f", r.fitSeconds),
			fmt.Sprintf("%.3g", r.predictMs),
			fmt.Sprint(trees),
		})
	}
	return writeTable(stdout, aligned, rows)
}

// writeTable writes rows as columns padded with spaces when aligned, else
// as tab-separated lines.
func writeTable(stdout io.Writer, aligned bool, rows [][]string) error {
	if !aligned {
		for _, row := range rows {
			if _, err := fmt.Fprintln(stdout, strings.Join(row, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// printImportance lists each model's most important features by
// permutation importance on the test rows, with the impurity importance
// beside it.
func printImportance(ctx context.Context, stdout io.Writer, opts baselinesOptions, enc *treeData, results []*baselineResult) error {
	names := enc.prep.Features()
	for _, r := range results {
		scores, err := baselines.PermutationImportance(ctx, r.model, enc.test.X, enc.testY, baselines.PermutationOptions{
			Repeats: permutationRepeats,
			Seed:    opts.Forest.Seed,
			Threads: opts.Forest.Threads,
		})
		if err != nil {
			return fmt.Errorf("importance of %s: %w", r.name, err)
		}
		slices.SortStableFunc(scores, func(a, b baselines.PermutationScore) int {
			return cmp.Compare(b.Mean, a.Mean)
		})
		impurity := r.model.FeatureImportance()

		fmt.Fprintf(stdout, "\n%s: features by drop in test R² when shuffled (mean and std of %d shuffles)\n", r.name, permutationRepeats)
		rows := [][]string{{"feature", "R² drop", "std", "impurity share"}}
		for _, s := range scores[:min(opts.Importance, len(scores))] {
			rows = append(rows, []string{
				names[s.Feature],
				fmt.Sprintf("%.4f", s.Mean),
				fmt.Sprintf("%.4f", s.Std),
				fmt.Sprintf("%.4f", impurity[s.Feature]),
			})
		}
		if err := writeTable(stdout, opts.Aligned, rows); err != nil {
			return err
		}
	}
	return nil
}

// jsonText formats v as compact JSON for a log attribute.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
