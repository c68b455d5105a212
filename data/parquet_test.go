package data

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type parquetRow struct {
	Lon       float64  `parquet:"lon"`
	Zone      *string  `parquet:"zone,optional"`
	GEOID     int64    `parquet:"geoid"`
	Urban     bool     `parquet:"urban"`
	Elevation *float32 `parquet:"elevation,optional"`
	Code      string   `parquet:"code"`
	Target    float64  `parquet:"target"`
}

func writeParquet[T any](t *testing.T, name string, rows []T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func ptr[T any](v T) *T { return &v }

func sampleParquetRows() []parquetRow {
	return []parquetRow{
		{-84.39, ptr("urban"), 13121001100, true, ptr(float32(320.5)), "1.5", 2.25},
		{-84.10, nil, 13089020100, false, nil, "2", 3.5},
		{-83.90, ptr("rural"), 13217100500, false, ptr(float32(math.NaN())), "NA", 1.125},
	}
}

func TestReadParquet(t *testing.T) {
	path := writeParquet(t, "tracts.parquet", sampleParquetRows())
	tab, err := ReadFile(path, ReadOptions{Categorical: []string{"geoid"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"lon", "zone", "geoid", "urban", "elevation", "code", "target"}; !slices.Equal(tab.Columns(), want) {
		t.Fatalf("columns = %q, want %q", tab.Columns(), want)
	}
	want := map[string]colWant{
		"lon":       {Numeric, []string{"-84.39", "-84.1", "-83.9"}},
		"zone":      {Categorical, []string{"urban", "", "rural"}},
		"geoid":     {Categorical, []string{"13121001100", "13089020100", "13217100500"}},
		"urban":     {Numeric, []string{"1", "0", "0"}},
		"elevation": {Numeric, []string{"320.5", "", ""}},
		"code":      {Numeric, []string{"1.5", "2", ""}},
		"target":    {Numeric, []string{"2.25", "3.5", "1.125"}},
	}
	for name, w := range want {
		if tab.Kind(name) != w.kind {
			t.Errorf("%s is %v, want %v", name, tab.Kind(name), w.kind)
		}
		got, _ := tab.Strings(name)
		if !slices.Equal(got, w.values) {
			t.Errorf("%s = %q, want %q", name, got, w.values)
		}
	}
	if !slices.Equal(tab.Lines(), []int{1, 2, 3}) {
		t.Errorf("rows = %v, want 1, 2, 3", tab.Lines())
	}
}

func TestParquetAndCSVFingerprintsAgree(t *testing.T) {
	type row struct {
		X      float32 `parquet:"x"`
		Zone   string  `parquet:"zone"`
		Target float64 `parquet:"target"`
	}
	var rows []row
	csv := "x,zone,target\n"
	for i := range 30 {
		r := row{float32(i) / 4, []string{"a", "b", "c"}[i%3], float64(i % 7)}
		rows = append(rows, r)
		csv += fmt.Sprintf("%s,%s,%s\n", strconv.FormatFloat(float64(r.X), 'g', -1, 32), r.Zone, strconv.FormatFloat(r.Target, 'g', -1, 64))
	}
	pq := writeParquet(t, "t.parquet", rows)
	cs := writeTemp(t, "t.csv", csv)
	sel := Selection{Target: "target"}
	a, err := loadFile(t, pq, sel, SplitOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadFile(t, cs, sel, SplitOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint != b.Fingerprint {
		t.Error("the same table as Parquet and as CSV has different fingerprints")
	}
}

func TestReadParquetErrors(t *testing.T) {
	type infRow struct {
		X float64 `parquet:"x"`
	}
	type listRow struct {
		Tags []string `parquet:"tags,list"`
	}
	notParquet := writeTemp(t, "fake.parquet", "a,b\n1,2\n")
	empty := writeTemp(t, "empty.parquet", "")
	tests := []struct {
		name string
		path string
		want cellError
	}{
		{"infinite value", writeParquet(t, "inf.parquet", []infRow{{1}, {math.Inf(1)}}), cellError{err: ErrNonFinite, line: 2, column: "x", contains: []string{"row 2"}}},
		{"no rows", writeParquet(t, "none.parquet", []infRow{}), cellError{err: ErrNoRows}},
		{"list column", writeParquet(t, "list.parquet", []listRow{{[]string{"a"}}}), cellError{err: ErrUnsupported, column: "tags"}},
		{"not Parquet", notParquet, cellError{err: ErrUnsupported, contains: []string{"fake.parquet"}}},
		{"empty file", empty, cellError{err: ErrEmptyFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFileContext(context.Background(), tt.path, ReadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

func TestCSVWithParquetContent(t *testing.T) {
	type row struct {
		X float64 `parquet:"x"`
	}
	src := writeParquet(t, "t.parquet", []row{{1}})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, "t.csv", string(data))
	_, err = ReadFile(path, ReadOptions{})
	checkError(t, err, cellError{err: ErrUnsupported, contains: []string{".parquet extension"}})
}
