package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// tableHeader names the columns of a split's results table.
var tableHeader = []string{"model", "test R²", "RMSE", "MAE", "fit s", "predict ms/1k rows", "model file"}

// TableRows returns the split's results table, header first: one row per
// model with the mean over seeds, followed by "± std" when there is more
// than one seed. RMSE and MAE are in target units. A loaded model's fit
// time is "-".
func (s *Split) TableRows() [][]string {
	rows := [][]string{tableHeader}
	for _, m := range s.Models {
		sum := m.Summary()
		fit := "-"
		if sum.FitSeconds.N > 0 {
			fit = formatSeconds(sum.FitSeconds.Mean)
			if sum.FitSeconds.N > 1 {
				fit += " ± " + formatSeconds(sum.FitSeconds.Std)
			}
		}
		rows = append(rows, []string{
			m.Name,
			formatStat(sum.R2, "%.4f", "%.4f"),
			formatMeanStd(sum.RMSE, 6),
			formatMeanStd(sum.MAE, 6),
			fit,
			formatMeanStd(sum.PredictMs, 3),
			FormatBytes(sum.FileBytes.Mean),
		})
	}
	return rows
}

// formatStat writes a mean, and "± std" when it comes from two or more
// runs.
func formatStat(s Stat, meanFormat, stdFormat string) string {
	if s.N == 0 || math.IsNaN(s.Mean) {
		return "-"
	}
	out := fmt.Sprintf(meanFormat, s.Mean)
	if s.N > 1 {
		out += " ± " + fmt.Sprintf(stdFormat, s.Std)
	}
	return out
}

// formatMeanStd writes a mean of one run with digits significant digits.
// For two or more runs it writes "mean ± std", both rounded to the
// decimal of the std's second significant digit.
func formatMeanStd(s Stat, digits int) string {
	switch {
	case s.N == 0 || math.IsNaN(s.Mean):
		return "-"
	case s.N == 1:
		return formatSignificant(s.Mean, digits)
	case s.Std == 0 || math.IsNaN(s.Std):
		return formatSignificant(s.Mean, digits) + " ± 0"
	}
	decimals := int(1 - math.Floor(math.Log10(s.Std)))
	decimals = max(0, min(decimals, 12))
	return fmt.Sprintf("%.*f ± %.*f", decimals, s.Mean, decimals, s.Std)
}

// formatSignificant writes v with digits significant digits, as %g does,
// but writes values of 1 and above without an exponent.
func formatSignificant(v float64, digits int) string {
	out := strconv.FormatFloat(v, 'g', digits, 64)
	if strings.Contains(out, "e") && math.Abs(v) >= 1 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return out
}

// formatSeconds writes a duration in seconds with three decimals below 1 s,
// one below 100 s and none above.
func formatSeconds(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// FormatBytes writes a size in bytes, kB (1,000 bytes) or MB.
func FormatBytes(n float64) string {
	switch {
	case math.IsNaN(n) || n < 0:
		return "-"
	case n < 1e3:
		return fmt.Sprintf("%.0f B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", n/1e3)
	default:
		return fmt.Sprintf("%.1f MB", n/1e6)
	}
}

// WriteTable writes the split's name and results table. aligned pads the
// columns with spaces for a person at a terminal; otherwise fields are
// separated by single tabs for other programs.
func WriteTable(w io.Writer, s *Split, aligned bool) error {
	if _, err := fmt.Fprintf(w, "%s: %d training, %d validation, %d test rows\n", s.Name, s.Rows[0], s.Rows[1], s.Rows[2]); err != nil {
		return err
	}
	rows := s.TableRows()
	if !aligned {
		for _, row := range rows {
			if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// markdownTable writes rows as a Markdown table, the first row as its
// header. Columns after the first are right-aligned.
func markdownTable(w io.Writer, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	line := func(cells []string) {
		escaped := make([]string, len(cells))
		for i, c := range cells {
			escaped[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(escaped, " | "))
	}
	line(rows[0])
	rule := make([]string, len(rows[0]))
	for i := range rule {
		rule[i] = "---:"
	}
	rule[0] = "---"
	fmt.Fprintf(w, "|%s|\n", strings.Join(rule, "|"))
	for _, r := range rows[1:] {
		line(r)
	}
}

// runRows returns one row per run of every model, for the per-seed table.
func (s *Split) runRows() [][]string {
	rows := [][]string{{"model", "seed", "test R²", "RMSE", "MAE", "fit s", "predict ms/1k rows", "model file"}}
	for _, m := range s.Models {
		for _, r := range m.Runs {
			fit := "-"
			if !math.IsNaN(r.FitSeconds) {
				fit = formatSeconds(r.FitSeconds)
			}
			rows = append(rows, []string{
				m.Name,
				strconv.FormatUint(r.Seed, 10),
				fmt.Sprintf("%.4f", r.Test.R2),
				formatSignificant(r.Test.RMSE, 6),
				formatSignificant(r.Test.MAE, 6),
				fit,
				formatSignificant(r.PredictMs, 3),
				fmt.Sprintf("%s (%s)", r.File, FormatBytes(float64(r.FileBytes))),
			})
		}
	}
	return rows
}
