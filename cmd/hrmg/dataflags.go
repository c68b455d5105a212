package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
)

// dataFlags returns the flags that name the input files, choose their
// columns and split their rows. Every command that reads a table uses
// them, so they read the same way everywhere; --seed seeds the split.
func dataFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "data", Usage: "training table `FILE`: CSV (comma, semicolon or tab separated) or Parquet (.parquet)"},
		&cli.StringFlag{Name: "valid", Usage: "validation table `FILE` with the same columns; without it, validation rows are split off --data"},
		&cli.StringFlag{Name: "test", Usage: "test table `FILE` with the same columns; without it, test rows are split off --data"},
		&cli.StringFlag{Name: "target", Usage: "numeric `COLUMN` to predict"},
		&cli.StringSliceFlag{Name: "features", Usage: "feature `COLUMNS`: names or globs such as 'A*', comma-separated or repeated (default: every column but the target, ids and dropped ones)"},
		&cli.StringSliceFlag{Name: "drop", Usage: "`COLUMNS` never used, such as ones that leak the target: names or globs, comma-separated or repeated"},
		&cli.StringSliceFlag{Name: "id", Usage: "id `COLUMNS`, kept as text and carried into predictions, never features: names or globs"},
		&cli.StringSliceFlag{Name: "categorical", Usage: "`COLUMNS` read as categories even where the values look like numbers: names or globs"},
		&cli.StringFlag{Name: "split", Value: data.SplitRandom, Usage: "`METHOD` that splits --data when --valid or --test is not given: random, or spatial (whole grid cells of --block-km km)"},
		&cli.Float64Flag{Name: "valid-fraction", Value: 0.1, Usage: "`SHARE` of the --data rows held out for validation, between 0 and 1"},
		&cli.Float64Flag{Name: "test-fraction", Value: 0.1, Usage: "`SHARE` of the --data rows held out for test, between 0 and 1"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random `SEED` of the split, the initial weights and the row order: the same seed, data and flags give the same models"},
		&cli.Float64Flag{Name: "block-km", Usage: "edge of a spatial split's grid cells, in `KM`: larger than the distance over which neighbouring rows are alike (required with --split spatial)"},
		&cli.StringFlag{Name: "lat", Usage: "latitude `COLUMN` in decimal degrees for --split spatial (default: detected from names such as lat or latitude)"},
		&cli.StringFlag{Name: "lon", Usage: "longitude `COLUMN` in decimal degrees for --split spatial (default: detected from names such as lon, lng or longitude)"},
	}
	return append(flags, readFlags()...)
}

// readFlags returns the flags that set how a CSV file is parsed.
func readFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "delimiter", Usage: "CSV field `DELIMITER`: ',', ';', 'tab' or another single ASCII character (default: detected from the header)"},
		&cli.StringFlag{Name: "decimal", Usage: "decimal `MARK` of numbers in CSV files: '.' or ',' (default: '.')"},
		&cli.StringSliceFlag{Name: "missing", Usage: "cell `TEXTS` that mark a missing value, compared without case, replacing the default list: empty, NA, NaN, null, N/A, ?"},
	}
}

// readOptions fills data.ReadOptions from the flags of readFlags.
func readOptions(c *cli.Context) (data.ReadOptions, error) {
	delimiter, err := parseDelimiter(c.String("delimiter"))
	if err != nil {
		return data.ReadOptions{}, usageError(err)
	}
	var decimal rune
	switch d := c.String("decimal"); d {
	case "":
	case ".", ",":
		decimal = rune(d[0])
	default:
		return data.ReadOptions{}, usageError(fmt.Errorf("invalid --decimal %q: use '.' or ','", d))
	}
	opts := data.ReadOptions{Delimiter: delimiter, Decimal: decimal}
	if c.IsSet("missing") {
		opts.Missing = append([]string{}, c.StringSlice("missing")...)
	}
	return opts, nil
}

// loadOptions fills data.LoadOptions from the flags of dataFlags.
func loadOptions(c *cli.Context) (data.LoadOptions, error) {
	read, err := readOptions(c)
	if err != nil {
		return data.LoadOptions{}, err
	}
	read.Categorical = c.StringSlice("categorical")
	opts := data.LoadOptions{
		Train: c.String("data"),
		Valid: c.String("valid"),
		Test:  c.String("test"),
		Read:  read,
		Select: data.Selection{
			Target:   c.String("target"),
			Features: c.StringSlice("features"),
			Drop:     c.StringSlice("drop"),
			IDs:      c.StringSlice("id"),
		},
		Split: data.SplitOptions{
			Method:        c.String("split"),
			ValidFraction: c.Float64("valid-fraction"),
			TestFraction:  c.Float64("test-fraction"),
			Seed:          c.Uint64("seed"),
			BlockKm:       c.Float64("block-km"),
			Lat:           c.String("lat"),
			Lon:           c.String("lon"),
		},
	}
	return opts, nil
}

// parseDelimiter reads a --delimiter value: empty for detection, a word
// (comma, semicolon, tab) or one ASCII character; "\t" means tab.
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	}
	if len(s) != 1 || s[0] > 127 {
		return 0, fmt.Errorf("invalid --delimiter %q: use ',', ';', 'tab' or another single ASCII character", s)
	}
	return rune(s[0]), nil
}

// loadError gives a data package error its exit status: a bad option
// value is a usage error, anything else is unusable data.
func loadError(err error) error {
	if errors.Is(err, data.ErrInvalidOption) {
		return usageError(err)
	}
	return dataError(err)
}

// logWarnings logs data warnings at warn level, with their position as
// attributes.
func logWarnings(log *slog.Logger, warnings []data.Warning) {
	for _, w := range warnings {
		var attrs []any
		if w.File != "" {
			attrs = append(attrs, "file", w.File)
		}
		if w.Line > 0 {
			attrs = append(attrs, "line", w.Line)
		}
		if w.Column != "" {
			attrs = append(attrs, "column", w.Column)
		}
		if w.Value != "" {
			attrs = append(attrs, "value", w.Value)
		}
		log.Warn(w.Message, attrs...)
	}
}

// logImputation logs, for each numeric input with missing cells in any
// part, how many there are and the training median that replaces them.
func logImputation(log *slog.Logger, prep *data.Preprocessor, splits *data.Splits) {
	for _, in := range prep.Inputs {
		if in.Kind != data.Numeric {
			continue
		}
		var counts [3]int
		total := 0
		for i, t := range []*data.Table{splits.Train, splits.Valid, splits.Test} {
			n, err := t.Missing(in.Name)
			if err != nil {
				continue
			}
			counts[i] = n
			total += n
		}
		if total == 0 {
			continue
		}
		log.Info("imputed missing values with the training median",
			"column", in.Name, "missing", total, "train_valid_test", fmt.Sprintf("%d/%d/%d", counts[0], counts[1], counts[2]),
			"median", strconv.FormatFloat(in.Median, 'g', -1, 32), "indicator", in.Indicator)
	}
}
