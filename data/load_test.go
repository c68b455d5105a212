package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadFile(t *testing.T, path string, sel Selection, split SplitOptions) (*Splits, error) {
	t.Helper()
	return Load(context.Background(), LoadOptions{Train: path, Select: sel, Split: split})
}

// rowsCSV returns a header and n rows of a small table: a text id, a zone
// category, a gap-free numeric column and a target.
func rowsCSV(n int) string {
	var b strings.Builder
	b.WriteString("id,zone,x,target\n")
	zones := []string{"north", "south", "east"}
	for i := range n {
		fmt.Fprintf(&b, "t%03d,%s,%d,%d\n", i, zones[i%3], 10+i%10, i%7)
	}
	return b.String()
}

func TestLoadRandomSplit(t *testing.T) {
	path := writeTemp(t, "t.csv", rowsCSV(100))
	s, err := loadFile(t, path, Selection{Target: "target", IDs: []string{"id"}}, SplitOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 80 || s.Valid.Len() != 10 || s.Test.Len() != 10 || s.Method != SplitRandom {
		t.Errorf("split %d/%d/%d by %q, want 80/10/10 by random", s.Train.Len(), s.Valid.Len(), s.Test.Len(), s.Method)
	}
	if !slices.Equal(s.Features, []string{"zone", "x"}) || !slices.Equal(s.IDs, []string{"id"}) {
		t.Errorf("features %q, ids %q", s.Features, s.IDs)
	}
	if s.Train.Kind("id") != Categorical {
		t.Errorf("id column read as %v, want text", s.Train.Kind("id"))
	}
	again, err := loadFile(t, path, Selection{Target: "target", IDs: []string{"id"}}, SplitOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint != s.Fingerprint || !slices.Equal(again.Test.Lines(), s.Test.Lines()) {
		t.Error("the same seed gave another split or fingerprint")
	}
	other, err := loadFile(t, path, Selection{Target: "target", IDs: []string{"id"}}, SplitOptions{Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	if other.Fingerprint == s.Fingerprint {
		t.Error("different training rows gave the same fingerprint")
	}
}

func TestLoadSeparateFiles(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	valid := filepath.Join(dir, "valid.csv")
	test := filepath.Join(dir, "test.csv")
	os.WriteFile(train, []byte(rowsCSV(30)), 0o644)
	// The validation file's zone holds codes that look like numbers; read
	// on its own it would be numeric, but the training file makes it
	// categorical.
	os.WriteFile(valid, []byte("target,x,zone,id\n1,10,1,a\n2,11,2,b\n,12,1,c\n"), 0o644)
	os.WriteFile(test, []byte(rowsCSV(5)), 0o644)

	s, err := Load(context.Background(), LoadOptions{Train: train, Valid: valid, Test: test, Select: Selection{Target: "target", IDs: []string{"id"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Method != "files" || s.Train.Len() != 30 || s.Valid.Len() != 2 || s.Test.Len() != 5 {
		t.Errorf("method %q, sizes %d/%d/%d; want files, 30/2/5", s.Method, s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
	if s.Valid.Kind("zone") != Categorical {
		t.Errorf("validation zone is %v, want categorical as in training", s.Valid.Kind("zone"))
	}
	if len(s.Warnings) != 1 || s.Warnings[0].File != valid || s.Warnings[0].Line != 4 {
		t.Errorf("warnings = %v, want one about the validation row without target", s.Warnings)
	}

	// Only a test file: validation rows are split off the training file.
	s, err = Load(context.Background(), LoadOptions{Train: train, Test: test, Select: Selection{Target: "target"}, Split: SplitOptions{ValidFraction: 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Method != "random + files" || s.Train.Len() != 24 || s.Valid.Len() != 6 || s.Test.Len() != 5 {
		t.Errorf("method %q, sizes %d/%d/%d; want random + files, 24/6/5", s.Method, s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		return path
	}
	good := write("good.csv", rowsCSV(40))
	tests := []struct {
		name string
		opts LoadOptions
		want cellError
	}{
		{"no training file", LoadOptions{Select: Selection{Target: "target"}}, cellError{err: ErrInvalidOption, contains: []string{"--data"}}},
		{"target is text", LoadOptions{Train: good, Select: Selection{Target: "zone"}}, cellError{err: ErrTargetNotNumeric, line: 2, column: "zone", value: "north"}},
		{"constant target", LoadOptions{Train: write("c.csv", "x,target\n"+strings.Repeat("1,5\n2,5\n", 10)), Select: Selection{Target: "target"}}, cellError{err: ErrConstantTarget, contains: []string{"16 training rows"}}},
		{"every target missing", LoadOptions{Train: write("m.csv", "x,target\n"+strings.Repeat("1,\n", 20)), Select: Selection{Target: "target"}}, cellError{err: ErrNoRows, contains: []string{"every row's target is missing"}}},
		{"validation file lacks target", LoadOptions{Train: good, Valid: write("v.csv", "x,zone\n1,a\n"), Test: good, Select: Selection{Target: "target"}}, cellError{err: ErrMissingColumn, column: "target", contains: []string{"v.csv"}}},
		{"validation file too small", LoadOptions{Train: good, Valid: write("v1.csv", "target,x\n1,2\n"), Test: good, Select: Selection{Target: "target"}}, cellError{err: ErrTooFewRows, contains: []string{"v1.csv"}}},
		{"training file too small", LoadOptions{Train: write("t5.csv", rowsCSV(5)), Valid: good, Test: good, Select: Selection{Target: "target"}}, cellError{err: ErrTooFewRows, contains: []string{"t5.csv", "at least 8"}}},
		{"missing file", LoadOptions{Train: filepath.Join(dir, "nope.csv"), Select: Selection{Target: "target"}}, cellError{err: os.ErrNotExist}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.opts)
			checkError(t, err, tt.want)
		})
	}
}

func TestLoadWarnsAboutConstantHeldOutTarget(t *testing.T) {
	path := writeTemp(t, "t.csv", rowsCSV(40))
	s, err := Load(context.Background(), LoadOptions{
		Train: path, Valid: writeTemp(t, "v.csv", "x,target,zone\n1,3,north\n2,3,south\n"), Test: path,
		Select: Selection{Target: "target", IDs: []string{"id"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0].Message, "R² is undefined") {
		t.Errorf("warnings = %v, want one about R² on the validation rows", s.Warnings)
	}
}

func TestLoadStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := writeTemp(t, "t.csv", rowsCSV(10000))
	_, err := Load(ctx, LoadOptions{Train: path, Select: Selection{Target: "target"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}
