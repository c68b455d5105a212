package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
)

// evalOptions holds what hrmg eval does.
type evalOptions struct {
	Model string
	// Data is the labelled table to score; "-" reads CSV from stdin.
	Data string
	Read data.ReadOptions
	// JSON writes the report as one JSON object.
	JSON bool
}

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "score a saved model on a labelled table",
		Description: "Predicts every row of --data whose target is present and reports R², RMSE and MAE in\n" +
			"the target's units; for an HRM also the ponder steps rows used. Works on HRM and\n" +
			"tree-baseline model files alike.",
		Flags: append([]cli.Flag{
			modelFileFlag(),
			&cli.StringFlag{Name: "data", Usage: "labelled table `FILE` (CSV or Parquet) with the model's input columns and target; - reads CSV from stdin"},
			&cli.BoolFlag{Name: "json", Usage: "write the report as JSON for scripts"},
		}, readFlags()...),
		OnUsageError: commandUsageError,
		Action: func(c *cli.Context) error {
			if c.String("model") == "" || c.String("data") == "" {
				return usageError(errors.New("missing --model or --data: name the model file and the table to score"))
			}
			read, err := readOptions(c)
			if err != nil {
				return err
			}
			opts := evalOptions{Model: c.String("model"), Data: c.String("data"), Read: read, JSON: c.Bool("json")}
			return runEval(c.Context, opts, c.App.Reader, c.App.Writer, logger(c))
		},
	}
}

// evalReport is the output of hrmg eval.
type evalReport struct {
	Model string `json:"model"`
	Kind  string `json:"kind"`
	Data  string `json:"data"`
	Rows  int    `json:"rows"`
	// R2 is nil (JSON null) when R² is undefined: every target value is
	// equal, as in a one-row file.
	R2   *float64 `json:"r2"`
	RMSE float64  `json:"rmse"`
	MAE  float64  `json:"mae"`
	// PonderSteps summarises an HRM's cycles per row; nil for trees.
	PonderSteps *ponderSummary `json:"ponder_steps,omitempty"`
}

// ponderSummary is the mean and histogram of ponder steps.
type ponderSummary struct {
	Mean float64 `json:"mean"`
	// Histogram maps a step count, rounded to a whole number, to its rows.
	Histogram []ponderBin `json:"histogram"`
}

type ponderBin struct {
	Steps int `json:"steps"`
	Rows  int `json:"rows"`
}

func runEval(ctx context.Context, opts evalOptions, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	m, err := openModel(opts.Model)
	if err != nil {
		return err
	}
	table, err := readForModel(ctx, m, opts.Data, opts.Read, stdin)
	if err != nil {
		return err
	}
	if !table.Has(m.Prep.Target()) {
		return dataError(fmt.Errorf("%s has no target column %q: eval needs labelled rows (use hrmg predict for unlabelled ones)", opts.Data, m.Prep.Target()))
	}
	table, warnings, err := data.DropMissingTarget(table, m.Prep.Target())
	if err != nil {
		return loadError(err)
	}
	logWarnings(log, warnings)
	frame, warnings, err := m.Prep.Transform(table)
	if err != nil {
		return loadError(err)
	}
	logWarnings(log, warnings)

	pred, steps, err := m.predict(ctx, frame)
	if err != nil {
		return err
	}
	score, err := metrics.Score(frame.Y, pred)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	report := evalReport{Model: opts.Model, Kind: string(m.Kind), Data: opts.Data, Rows: score.N, RMSE: score.RMSE, MAE: score.MAE}
	if !math.IsNaN(score.R2) {
		report.R2 = &score.R2
	}
	if steps != nil {
		report.PonderSteps = summarizePonder(steps)
	}
	if opts.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return printEval(stdout, report)
}

// readForModel reads a table to feed m, from a file or, for "-", stdin.
func readForModel(ctx context.Context, m *savedModel, path string, opts data.ReadOptions, stdin io.Reader) (*data.Table, error) {
	var t *data.Table
	var err error
	if path == "-" {
		t, err = m.Prep.ReadCSV(ctx, "stdin", stdin, opts)
	} else {
		t, err = m.Prep.ReadFile(ctx, path, opts)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageError(err)
		}
		return nil, loadError(err)
	}
	return t, nil
}

// summarizePonder returns the mean and a histogram by whole step counts.
func summarizePonder(steps []float64) *ponderSummary {
	mean, _ := metrics.MeanStd(steps)
	counts := map[int]int{}
	lo, hi := math.MaxInt, 0
	for _, s := range steps {
		k := int(math.Round(s))
		counts[k]++
		lo, hi = min(lo, k), max(hi, k)
	}
	out := &ponderSummary{Mean: mean}
	for k := lo; k <= hi; k++ {
		out.Histogram = append(out.Histogram, ponderBin{Steps: k, Rows: counts[k]})
	}
	return out
}

// printEval writes the report for a person.
func printEval(w io.Writer, r evalReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%s)\n", r.Model, r.Kind)
	fmt.Fprintf(tw, "data\t%s\n", r.Data)
	fmt.Fprintf(tw, "rows\t%d\n", r.Rows)
	if r.R2 != nil {
		fmt.Fprintf(tw, "R²\t%.4f\n", *r.R2)
	} else {
		fmt.Fprintf(tw, "R²\tundefined: every target value is equal\n")
	}
	fmt.Fprintf(tw, "RMSE\t%.6g\n", r.RMSE)
	fmt.Fprintf(tw, "MAE\t%.6g\n", r.MAE)
	if p := r.PonderSteps; p != nil {
		fmt.Fprintf(tw, "ponder steps\tmean %.2f\n", p.Mean)
		for _, b := range p.Histogram {
			fmt.Fprintf(tw, "  %d steps\t%d rows\n", b.Steps, b.Rows)
		}
	}
	return tw.Flush()
}
