package report

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// splitFigures pairs a split with the figures Write drew for it.
type splitFigures struct {
	split   *Split
	figures []*Figure
}

// markdown returns report.md.
func (r *Report) markdown(parts []splitFigures) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# hrmg compare: %s\n\n", r.Target)
	fmt.Fprintf(&b, "- Date: %s\n", r.Created.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Machine: %s\n", r.Machine)
	fmt.Fprintf(&b, "- Command: %s\n", inlineCode(r.Command))
	if r.Data != "" {
		fmt.Fprintf(&b, "- Data: %s\n", r.Data)
	}
	fmt.Fprintf(&b, "- Target: %s, in %s\n", inlineCode(r.Target), r.TargetUnit())
	fmt.Fprintf(&b, "- Model seeds: %s", joinSeeds(r.Seeds))
	if len(r.Seeds) > 1 {
		fmt.Fprintf(&b, " (every model is fitted once per seed; tables show the mean ± the sample standard deviation)")
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n> %s\n", n)
	}

	for _, part := range parts {
		r.markdownSplit(&b, part)
	}
	return b.Bytes()
}

func (r *Report) markdownSplit(b *bytes.Buffer, part splitFigures) {
	s := part.split
	fmt.Fprintf(b, "\n## %s\n\n", capitalize(s.Name))
	if s.Description != "" {
		fmt.Fprintf(b, "%s ", s.Description)
	}
	fmt.Fprintf(b, "%d training, %d validation and %d test rows.\n\n", s.Rows[0], s.Rows[1], s.Rows[2])
	markdownTable(b, s.TableRows())
	fmt.Fprintf(b, "\nR², RMSE and MAE are measured on the test rows; RMSE and MAE are in %s. "+
		"fit s is the wall time of fitting alone, predict ms/1k rows the wall time of predicting the test rows per 1,000 rows, "+
		"and model file the size of the saved model.\n", r.TargetUnit())

	if len(r.Seeds) > 1 {
		b.WriteString("\nEach seed's run:\n\n")
		markdownTable(b, s.runRows())
	}

	if s.TestFile != "" {
		b.WriteString("\nEach model file reproduces its test scores; run from this directory:\n\n```sh\n")
		for _, m := range s.Models {
			for _, run := range m.Runs {
				fmt.Fprintf(b, "hrmg eval --model %s --data %s\n", shellQuote(run.File), shellQuote(s.TestFile))
			}
		}
		b.WriteString("```\n")
	}
	for _, n := range s.Notes {
		fmt.Fprintf(b, "\n> %s\n", n)
	}

	for _, f := range part.figures {
		rel := path.Join(s.ID, f.File)
		alt := strings.ReplaceAll(strings.TrimSuffix(f.File, ".png"), "-", " ")
		fmt.Fprintf(b, "\n![%s](%s)\n\n*%s*\n", escapeAlt(alt), rel, capitalize(f.Caption))
	}
}

// inlineCode wraps s in backticks, with enough of them that a backtick
// inside s does not end the span.
func inlineCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func escapeAlt(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func joinSeeds(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and the characters -_./=:,+@%.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin quotes each argument for a POSIX shell and joins them with
// spaces, so the result can be pasted into a terminal.
func ShellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}
