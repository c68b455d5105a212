package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
)

func describeCommand() *cli.Command {
	return &cli.Command{
		Name:  "describe",
		Usage: "summarise a table: rows, column types, missing values, categories, the target and the split",
		Description: "Reads --data (and --valid and --test when given) with the same rules as training, and prints\n" +
			"each column's inferred type, missing cells and values. With --target it also leaves out rows\n" +
			"without a target, splits the rows and counts the model inputs. Nothing is fitted or written.\n\n" +
			"Example:\n" +
			"  hrmg describe --data datasets/atlanta-alphaearth/tracts.csv --target y_log_density \\\n" +
			"    --id cb_2020_3 --drop B01003_001E,tract_area_sqkm,population_density",
		Flags:        dataFlags(),
		OnUsageError: commandUsageError,
		Action: func(c *cli.Context) error {
			load, err := loadOptions(c)
			if err != nil {
				return err
			}
			opts := describeOptions{Load: load, Aligned: isTerminal(c.App.Writer)}
			return runDescribe(c.Context, opts, c.App.Writer, logger(c))
		},
	}
}

// commandUsageError makes a command's flag parsing error a usage error, so
// it exits with exitUsage as one line instead of printing the help.
func commandUsageError(c *cli.Context, err error, isSubcommand bool) error {
	return usageError(err)
}

// describeOptions holds what hrmg describe does.
type describeOptions struct {
	Load data.LoadOptions
	// Aligned pads the output into columns for a person at a terminal;
	// otherwise fields are separated by tabs for other programs.
	Aligned bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// runDescribe prints the description to stdout and logs warnings.
func runDescribe(ctx context.Context, opts describeOptions, stdout io.Writer, log *slog.Logger) error {
	if opts.Load.Train == "" {
		return usageError(errors.New("missing --data FILE: the table to describe"))
	}
	w := stdout
	var tw *tabwriter.Writer
	if opts.Aligned {
		tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		w = tw
	}
	var err error
	if opts.Load.Select.Target == "" {
		err = describeColumnsOnly(ctx, w, opts.Load)
	} else {
		err = describeSplits(ctx, w, opts.Load, log)
	}
	if err != nil {
		return err
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// describeColumnsOnly describes the --data file without a target, so
// without a split.
func describeColumnsOnly(ctx context.Context, w io.Writer, opts data.LoadOptions) error {
	read := opts.Read
	read.Categorical = append(slices.Clone(read.Categorical), opts.Select.IDs...)
	t, err := data.ReadFileContext(ctx, opts.Train, read)
	if err != nil {
		return loadError(err)
	}
	fmt.Fprintf(w, "file\t%s\n", t.Name())
	fmt.Fprintf(w, "rows\t%d\n", t.Len())
	fmt.Fprintf(w, "columns\t%d\n", len(t.Columns()))
	fmt.Fprintf(w, "target\tnot set: --target COLUMN adds the target summary, the split and the model inputs\n\n")
	fmt.Fprintf(w, "column\ttype\tmissing\tdistinct\tvalues\n")
	for _, name := range t.Columns() {
		s, err := t.Summary(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", name, s.Kind, s.Missing, s.Distinct, summarizeValues(s, false))
	}
	return nil
}

// describeSplits loads the data as training would and describes it.
func describeSplits(ctx context.Context, w io.Writer, opts data.LoadOptions, log *slog.Logger) error {
	s, err := data.Load(ctx, opts)
	if err != nil {
		return loadError(err)
	}
	logWarnings(log, s.Warnings)
	parts := []struct {
		name string
		t    *data.Table
	}{{"train", s.Train}, {"valid", s.Valid}, {"test", s.Test}}

	fmt.Fprintf(w, "file\t%s\n", opts.Train)
	fmt.Fprintf(w, "target\t%s\n", opts.Select.Target)
	fmt.Fprintf(w, "split\t%s\n", describeMethod(s, opts.Split))
	fmt.Fprintf(w, "fingerprint\t%s\n\n", s.Fingerprint)

	fmt.Fprintf(w, "part\trows")
	if s.Blocks != [3]int{} {
		fmt.Fprintf(w, "\tgrid cells")
	}
	fmt.Fprintf(w, "\tsource\n")
	for i, p := range parts {
		fmt.Fprintf(w, "%s\t%d", p.name, p.t.Len())
		if s.Blocks != [3]int{} {
			fmt.Fprintf(w, "\t%d", s.Blocks[i])
		}
		fmt.Fprintf(w, "\t%s\n", p.t.Name())
	}
	fmt.Fprintln(w)

	// One line per column: values summarise the training rows, the
	// missing counts cover each part.
	fmt.Fprintf(w, "column\trole\ttype\tmissing (train/valid/test)\tdistinct\tvalues (training rows)\n")
	for _, name := range s.Train.Columns() {
		sum, err := s.Train.Summary(name)
		if err != nil {
			return err
		}
		var missing []string
		for _, p := range parts {
			n, err := p.t.Missing(name)
			if err != nil {
				missing = append(missing, "-") // a held-out file may lack unused columns
				continue
			}
			missing = append(missing, fmt.Sprint(n))
		}
		role := columnRole(name, s, opts.Select.Target)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", name, role, sum.Kind, strings.Join(missing, "/"), sum.Distinct, summarizeValues(sum, role == "id"))
	}
	fmt.Fprintln(w)

	target, err := s.Train.Summary(opts.Select.Target)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "target summary\t%s: n %d, min %.6g, median %.6g, mean %.6g, std %.6g, max %.6g (training rows)\n",
		target.Name, target.Count, target.Min, target.Median, target.Mean, target.Std, target.Max)

	p, warnings, err := data.FitPreprocessor(s.Train, opts.Select, data.PrepOptions{})
	if err != nil {
		log.Warn("no model inputs: the training rows cannot be encoded", "err", err)
		fmt.Fprintf(w, "model inputs\tnone: see the warning on stderr\n")
		return nil
	}
	logWarnings(log, warnings)
	fmt.Fprintf(w, "model inputs\t%s\n", countInputs(p))
	return nil
}

// describeMethod describes where the validation and test rows come from.
func describeMethod(s *data.Splits, split data.SplitOptions) string {
	switch {
	case s.Method == "files":
		return "separate files"
	case strings.HasPrefix(s.Method, data.SplitSpatial):
		return fmt.Sprintf("%s: whole %g km grid cells by %s and %s, seed %d", s.Method, split.BlockKm, s.Lat, s.Lon, split.Seed)
	default:
		return fmt.Sprintf("%s, seed %d", s.Method, split.Seed)
	}
}

// columnRole returns what the selection does with a column.
func columnRole(name string, s *data.Splits, target string) string {
	switch {
	case name == target:
		return "target"
	case slices.Contains(s.IDs, name):
		return "id"
	case slices.Contains(s.Features, name):
		return "feature"
	case slices.Contains(s.Dropped, name):
		return "dropped"
	default:
		return "unused"
	}
}

// maxCategoriesShown is how many categories a summary lists.
const maxCategoriesShown = 6

// summarizeValues describes a column's present values on one line.
func summarizeValues(s data.ColumnSummary, isID bool) string {
	if s.Count == 0 {
		return "no values"
	}
	if s.Kind == data.Numeric {
		return fmt.Sprintf("min %.6g, median %.6g, mean %.6g, max %.6g", s.Min, s.Median, s.Mean, s.Max)
	}
	if isID {
		return fmt.Sprintf("%d distinct ids in %d rows", s.Distinct, s.Count)
	}
	if s.IDLike {
		return fmt.Sprintf("id-like: %d distinct values in %d rows; pass it as --id or --drop", s.Distinct, s.Count)
	}
	var listed []string
	for i, c := range s.Categories {
		if i == maxCategoriesShown {
			listed = append(listed, fmt.Sprintf("and %d more", len(s.Categories)-maxCategoriesShown))
			break
		}
		listed = append(listed, fmt.Sprintf("%s %d", c.Value, c.Count))
	}
	return strings.Join(listed, ", ")
}

// countInputs counts a preprocessor's features by what they encode.
func countInputs(p *data.Preprocessor) string {
	var numeric, indicators, oneHot int
	for _, in := range p.Inputs {
		if in.Kind == data.Numeric && !in.Constant {
			numeric++
		}
		oneHot += len(in.Levels)
		if in.Indicator {
			indicators++
		}
	}
	indicatorWord := "missing indicators"
	if indicators == 1 {
		indicatorWord = "missing indicator"
	}
	return fmt.Sprintf("%d (%d numeric, %d %s, %d one-hot)", len(p.Features()), numeric, indicators, indicatorWord, oneHot)
}
