package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hrmg/hrmg/modelfile"
)

// The files Write puts in the output directory.
const (
	MarkdownFile = "report.md"
	JSONFile     = "report.json"
)

// Write draws every split's figures into dir/<split ID>/ and writes
// dir/report.md and dir/report.json. The directories must exist or be
// creatable. It adds a note to a split for each figure it leaves out, and
// returns the paths it wrote. It checks ctx between figures.
func Write(ctx context.Context, dir string, r *Report) ([]string, error) {
	var written []string
	parts := make([]splitFigures, 0, len(r.Splits))
	names := map[string][]string{}
	for _, s := range r.Splits {
		if s.ID == "" || s.ID != filepath.Base(s.ID) || strings.ContainsAny(s.ID, `/\`) || s.ID == "." || s.ID == ".." {
			return written, fmt.Errorf("report: split ID %q is not a single directory name", s.ID)
		}
		splitDir := filepath.Join(dir, s.ID)
		if err := os.MkdirAll(splitDir, 0o755); err != nil {
			return written, fmt.Errorf("report: %w", err)
		}
		figs, notes := r.Figures(s)
		s.Notes = append(s.Notes, notes...)
		var drawn []*Figure
		for _, f := range figs {
			if err := ctx.Err(); err != nil {
				return written, err
			}
			png, err := f.PNG()
			if err != nil {
				s.Notes = append(s.Notes, fmt.Sprintf("%s was not drawn: %v", f.File, err))
				continue
			}
			p := filepath.Join(splitDir, f.File)
			if err := modelfile.WriteFileAtomic(p, png, 0o644); err != nil {
				return written, fmt.Errorf("report: %w", err)
			}
			written = append(written, p)
			drawn = append(drawn, f)
			names[s.ID] = append(names[s.ID], f.File)
		}
		parts = append(parts, splitFigures{split: s, figures: drawn})
	}

	md := filepath.Join(dir, MarkdownFile)
	if err := modelfile.WriteFileAtomic(md, r.markdown(parts), 0o644); err != nil {
		return written, fmt.Errorf("report: %w", err)
	}
	written = append(written, md)

	js, err := json.MarshalIndent(r.JSON(names), "", "  ")
	if err != nil {
		return written, fmt.Errorf("report: encode JSON: %w", err)
	}
	jsPath := filepath.Join(dir, JSONFile)
	if err := modelfile.WriteFileAtomic(jsPath, append(js, '\n'), 0o644); err != nil {
		return written, fmt.Errorf("report: %w", err)
	}
	return append(written, jsPath), nil
}
