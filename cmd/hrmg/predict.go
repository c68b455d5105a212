package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/modelfile"
)

// predictOptions holds what hrmg predict does.
type predictOptions struct {
	Model string
	// Data is the table to predict; "-" reads CSV from stdin.
	Data string
	// Out is the CSV file to write; "-" writes to stdout.
	Out  string
	Read data.ReadOptions
}

func predictCommand() *cli.Command {
	return &cli.Command{
		Name:  "predict",
		Usage: "predict the target for every row of a table with a saved model",
		Description: "Writes a CSV with one row per input row, in input order: the model's id columns, the\n" +
			"prediction in the target's units and, for an HRM, the ponder steps the row used.\n" +
			"Input columns are matched by name; extra columns are ignored.",
		Flags: append([]cli.Flag{
			modelFileFlag(),
			&cli.StringFlag{Name: "data", Usage: "table `FILE` (CSV or Parquet) with the model's input columns; - reads CSV from stdin"},
			&cli.StringFlag{Name: "out", Value: "-", Usage: "CSV `FILE` to write; - writes to stdout"},
		}, readFlags()...),
		OnUsageError: commandUsageError,
		Action: func(c *cli.Context) error {
			if c.String("model") == "" || c.String("data") == "" {
				return usageError(errors.New("missing --model or --data: name the model file and the table to predict"))
			}
			read, err := readOptions(c)
			if err != nil {
				return err
			}
			opts := predictOptions{Model: c.String("model"), Data: c.String("data"), Out: c.String("out"), Read: read}
			return runPredict(c.Context, opts, c.App.Reader, c.App.Writer, logger(c))
		},
	}
}

func runPredict(ctx context.Context, opts predictOptions, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	m, err := openModel(opts.Model)
	if err != nil {
		return err
	}
	// The target is not needed to predict, so a file's target column,
	// with whatever it holds, is not read.
	read := opts.Read
	read.Columns = m.Prep.NeededColumns(false)
	table, err := readForModel(ctx, m, opts.Data, read, stdin)
	if err != nil {
		return err
	}
	frame, warnings, err := m.Prep.Transform(table)
	if err != nil {
		return loadError(err)
	}
	logWarnings(log, warnings)
	pred, steps, err := m.predict(ctx, frame)
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	if err := writePredictions(&buf, frame, pred, steps); err != nil {
		return err
	}
	if opts.Out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := modelfile.WriteFileAtomic(opts.Out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	log.Info("wrote predictions", "file", opts.Out, "rows", len(pred))
	return nil
}

// writePredictions writes the CSV: id columns, prediction, then ponder
// steps when steps is not nil.
func writePredictions(w io.Writer, f *data.Frame, pred, steps []float64) error {
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(f.IDs)+2)
	for _, id := range f.IDs {
		header = append(header, id.Name)
	}
	header = append(header, "prediction")
	if steps != nil {
		header = append(header, "ponder_steps")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	record := make([]string, len(header))
	for i, p := range pred {
		k := 0
		for _, id := range f.IDs {
			record[k] = id.Values[i]
			k++
		}
		record[k] = strconv.FormatFloat(p, 'g', 8, 64)
		if steps != nil {
			record[k+1] = strconv.FormatFloat(steps[i], 'g', 4, 64)
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
