package data

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The tests in this file read the small files under testdata/, each a real
// user's failing input, and assert the behaviour its README section in
// testdata/README.md expects.

func caseFile(dir, name string) string { return filepath.Join("testdata", dir, name) }

func loadCase(t *testing.T, path string, read ReadOptions) (*Splits, error) {
	t.Helper()
	return Load(context.Background(), LoadOptions{Train: path, Read: read, Select: Selection{Target: "target"}})
}

func TestByteOrderMarkBeforeQuotedHeader(t *testing.T) {
	train := caseFile("utf8-bom-header", "train.csv")
	tab, err := ReadFile(train, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"target", "lon", "lat", "elevation", "A00", "A01", "A02", "A03"}
	if got := tab.Columns(); !slices.Equal(got, want) {
		t.Errorf("columns = %q, want %q", got, want)
	}

	s, err := loadCase(t, train, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := FitPreprocessor(s.Train, Selection{Target: "target"}, PrepOptions{Scale: ScaleStandard})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Features(); !slices.Equal(got, want[1:]) {
		t.Errorf("features = %q, want %q", got, want[1:])
	}
	predict, err := p.ReadFile(context.Background(), caseFile("utf8-bom-header", "predict.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, warnings, err := p.Transform(predict)
	if err != nil {
		t.Fatal(err)
	}
	if f.X.Rows != 5 || f.X.Cols != 7 || f.Y != nil || len(warnings) != 0 {
		t.Errorf("predict frame: %d×%d, Y %v, warnings %v; want 5×7, no Y, no warnings", f.X.Rows, f.X.Cols, f.Y, warnings)
	}
}

func TestSemicolonFileWithDecimalCommas(t *testing.T) {
	train := caseFile("semicolon-decimal-comma", "train.csv")
	t.Run("default options", func(t *testing.T) {
		_, err := loadCase(t, train, ReadOptions{})
		checkError(t, err, cellError{
			err: ErrDelimiter, line: 1,
			contains: []string{"train.csv", "the header is one field", "7 ';'", "';'-separated with decimal commas", "--delimiter ';'", "--decimal ','"},
		})
	})
	t.Run("delimiter and decimal set", func(t *testing.T) {
		tab, err := ReadFile(train, ReadOptions{Delimiter: ';', Decimal: ','})
		if err != nil {
			t.Fatal(err)
		}
		if tab.Len() != 15 || len(tab.Columns()) != 8 {
			t.Fatalf("table is %d rows × %d columns, want 15 × 8", tab.Len(), len(tab.Columns()))
		}
		for _, c := range tab.Columns() {
			if tab.Kind(c) != Numeric {
				t.Errorf("column %q is %v, want numeric", c, tab.Kind(c))
			}
		}
		for col, want := range map[string]float64{"lon": 6.171, "elevation": 88.5, "target": 29.88} {
			got, _ := tab.Numbers(col)
			if got[0] != want {
				t.Errorf("first %s = %v, want %v", col, got[0], want)
			}
		}
	})
	t.Run("decimal set, delimiter detected", func(t *testing.T) {
		tab, err := ReadFile(train, ReadOptions{Decimal: ','})
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Columns()) != 8 {
			t.Errorf("columns = %q, want 8", tab.Columns())
		}
	})
}

func TestMissingMarkersInNumericColumns(t *testing.T) {
	train := caseFile("missing-markers", "train.csv")
	tab, err := ReadFile(train, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]int{"elevation": 5, "A01": 1} {
		if tab.Kind(col) != Numeric {
			t.Errorf("%s is %v, want numeric", col, tab.Kind(col))
		}
		if got, _ := tab.Missing(col); got != want {
			t.Errorf("%s has %d missing cells, want %d", col, got, want)
		}
	}
	elevation, _ := tab.Numbers("elevation")
	var missingLines []int
	for i, v := range elevation {
		if math.IsNaN(v) {
			missingLines = append(missingLines, tab.Line(i))
		}
	}
	if want := []int{4, 7, 10, 13, 16}; !slices.Equal(missingLines, want) {
		t.Errorf("elevation missing on lines %v, want %v", missingLines, want)
	}
	s, _ := tab.Summary("elevation")
	if math.Abs(s.Mean-1314.89) > 0.005 || s.Median != 1778.0 {
		t.Errorf("elevation mean %v and median %v, want 1314.89 and 1778.0", s.Mean, s.Median)
	}

	// Fitted on the whole file, the imputed value is that median, and no
	// NaN reaches the model whatever the scaling.
	for _, scale := range []Scaling{ScaleNone, ScaleStandard, ScaleQuantile} {
		p, _, err := FitPreprocessor(tab, Selection{Target: "target"}, PrepOptions{Scale: scale})
		if err != nil {
			t.Fatal(err)
		}
		in := p.Inputs[slices.IndexFunc(p.Inputs, func(in Input) bool { return in.Name == "elevation" })]
		if in.Median != 1778.0 || !in.Indicator {
			t.Errorf("%s: elevation input = median %v, indicator %v; want 1778 and an indicator", scale, in.Median, in.Indicator)
		}
		f, _, err := p.Transform(tab)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range f.X.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: X[%d] = %v", scale, i, v)
			}
		}
		indicator := slices.Index(p.Features(), "elevation_missing")
		for i := range f.X.Rows {
			want := float32(0)
			if slices.Contains(missingLines, f.Lines[i]) {
				want = 1
			}
			if got := f.X.At(i, indicator); got != want {
				t.Errorf("%s: line %d elevation_missing = %v, want %v", scale, f.Lines[i], got, want)
			}
		}
	}
}

func TestStrayTextInNumericColumn(t *testing.T) {
	_, err := loadCase(t, caseFile("stray-text-in-numeric-column", "train.csv"), ReadOptions{})
	checkError(t, err, cellError{
		err: ErrNonNumeric, line: 14, column: "elevation", value: "1240m",
		contains: []string{"train.csv", "the other 19 values in this column are numbers", "fix the cell, or leave it empty to mark it missing"},
	})
}

func TestInfiniteValues(t *testing.T) {
	_, err := loadCase(t, caseFile("inf-values", "train.csv"), ReadOptions{})
	checkError(t, err, cellError{
		err: ErrNonFinite, line: 6, column: "A02", value: "inf",
		contains: []string{"train.csv", "must be finite", `line 12, column "A02", value "-Infinity"`, `line 17, column "A03", value "1e400"`},
	})
}

func TestMissingTargetRowsLeftOut(t *testing.T) {
	s, err := loadCase(t, caseFile("missing-target", "train.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Train.Len() + s.Valid.Len() + s.Test.Len(); n != 18 {
		t.Errorf("%d rows used, want 18", n)
	}
	for _, part := range []*Table{s.Train, s.Valid, s.Test} {
		y, _ := part.Numbers("target")
		for i, v := range y {
			if math.IsNaN(v) {
				t.Errorf("line %d kept with a missing target", part.Line(i))
			}
			if l := part.Line(i); l == 5 || l == 12 {
				t.Errorf("line %d, which has no target, was kept", l)
			}
		}
	}
	if len(s.Warnings) != 1 {
		t.Fatalf("warnings = %v, want one", s.Warnings)
	}
	w := s.Warnings[0]
	if w.Line != 5 || w.Column != "target" || !strings.Contains(w.Message, "2 of 20 rows") || !strings.Contains(w.Message, "lines 5, 12") {
		t.Errorf("warning = %v, want the count 2 and lines 5 and 12", w)
	}
}

func TestDuplicateHeaderName(t *testing.T) {
	_, err := loadCase(t, caseFile("duplicate-header", "train.csv"), ReadOptions{})
	checkError(t, err, cellError{
		err: ErrDuplicateColumn, line: 1, column: "A01",
		contains: []string{"train.csv", "columns 5 and 6", "unique"},
	})
}

func TestUnseenCategoryAtPredict(t *testing.T) {
	s, err := loadCase(t, caseFile("unseen-category-at-predict", "train.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := FitPreprocessor(s.Train, Selection{Target: "target"}, PrepOptions{Scale: ScaleStandard})
	if err != nil {
		t.Fatal(err)
	}
	predict, err := p.ReadFile(context.Background(), caseFile("unseen-category-at-predict", "predict.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}

	f, warnings, err := p.Transform(predict)
	if err != nil {
		t.Fatal(err)
	}
	if f.X.Rows != 6 {
		t.Fatalf("%d rows encoded, want 6", f.X.Rows)
	}
	if len(warnings) != 1 {
		t.Fatalf("warnings = %v, want one", warnings)
	}
	w := warnings[0]
	if !strings.HasSuffix(w.File, "predict.csv") || w.Line != 4 || w.Column != "landcover" || w.Value != "wetland" || !strings.Contains(w.Message, "not seen in training") {
		t.Errorf("warning = %v", w)
	}

	var block []int
	for j, name := range p.Features() {
		if strings.HasPrefix(name, "landcover=") {
			block = append(block, j)
		}
	}
	if len(block) != 3 {
		t.Fatalf("landcover block = %v, want 3 one-hot features", block)
	}
	for i := range f.X.Rows {
		ones := 0
		for _, j := range block {
			ones += int(f.X.At(i, j))
		}
		want := 1
		if f.Lines[i] == 4 {
			want = 0
		}
		if ones != want {
			t.Errorf("line %d has %d ones in the landcover block, want %d", f.Lines[i], ones, want)
		}
	}
}

func TestCRLFAndLFReadAlike(t *testing.T) {
	dir := "crlf-line-endings"
	crlf, err := ReadFile(caseFile(dir, "train-crlf.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lf, err := ReadFile(caseFile(dir, "train-lf.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cols := crlf.Columns()
	if !slices.Equal(cols, lf.Columns()) || cols[len(cols)-1] != "target" || crlf.Len() != 15 {
		t.Fatalf("columns %q and %q, %d rows; want equal, ending in target, 15 rows", cols, lf.Columns(), crlf.Len())
	}
	if crlf.Kind("target") != Numeric {
		t.Errorf("target is %v, want numeric", crlf.Kind("target"))
	}

	for _, c := range cols {
		a, _ := crlf.Strings(c)
		b, _ := lf.Strings(c)
		if !slices.Equal(a, b) {
			t.Errorf("column %q differs: %q vs %q", c, a, b)
		}
	}

	a, err := loadCase(t, caseFile(dir, "train-crlf.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadCase(t, caseFile(dir, "train-lf.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint != b.Fingerprint {
		t.Errorf("fingerprints differ: %s vs %s", a.Fingerprint, b.Fingerprint)
	}
	if !slices.Equal(a.Train.Lines(), b.Train.Lines()) {
		t.Errorf("same seed split the files differently: %v vs %v", a.Train.Lines(), b.Train.Lines())
	}
}

func TestEmptyAndTinyFiles(t *testing.T) {
	dir := "empty-and-tiny-files"
	tests := []struct {
		file string
		want cellError
	}{
		{"empty.csv", cellError{err: ErrEmptyFile, contains: []string{"empty.csv", "empty"}}},
		{"header-only.csv", cellError{err: ErrNoRows, contains: []string{"header-only.csv", "no data rows"}}},
		{"one-row.csv", cellError{err: ErrTooFewRows, contains: []string{"one-row.csv", "1 usable data row,", "at least 12"}}},
		{"three-rows.csv", cellError{err: ErrTooFewRows, contains: []string{"three-rows.csv", "3 usable data rows", "at least 12"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := loadCase(t, caseFile(dir, tt.file), ReadOptions{})
			checkError(t, err, tt.want)
		})
	}
}
