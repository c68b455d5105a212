package data

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzReadCSV feeds arbitrary bytes to the CSV reader under a few option
// sets. The reader must never panic, and a table it returns must be well
// formed.
func FuzzReadCSV(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.csv"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	for _, s := range []string{
		"a,b\n1,\"x\ny\"\n",
		"a;b\n1,5;2\n",
		"\xEF\xBB\xBFa\tb\r\n1\t2\r\n",
		"a,b\n\"unterminated\n",
		"a,a\n1,2\n",
		"x\ninf\nNaN\n-9999\n",
		"a,b\n1,\"q\"\"q\"\n2,\"\"\n",
	} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(2))
	}

	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		var opts ReadOptions
		switch mode % 4 {
		case 1:
			opts = ReadOptions{Delimiter: ';', Decimal: ','}
		case 2:
			opts = ReadOptions{Missing: []string{"-9999", ""}, Categorical: []string{"*"}}
		case 3:
			opts = ReadOptions{Delimiter: '\t'}
		}
		tab, err := ReadCSV(context.Background(), "fuzz.csv", strings.NewReader(string(data)), opts)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		columns := tab.Columns()
		if tab.Len() < 1 || len(columns) < 1 {
			t.Fatalf("table of %d rows × %d columns returned without error", tab.Len(), len(columns))
		}
		sorted := slices.Clone(columns)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != len(columns) {
			t.Fatalf("duplicate columns %q", columns)
		}
		lines := tab.Lines()
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Fatalf("lines not increasing: %v", lines)
			}
		}
		for _, c := range columns {
			if c == "" {
				t.Fatal("empty column name")
			}
			s, err := tab.Summary(c)
			if err != nil {
				t.Fatal(err)
			}
			if s.Count+s.Missing != tab.Len() {
				t.Fatalf("column %q: %d present + %d missing != %d rows", c, s.Count, s.Missing, tab.Len())
			}
			if s.Kind == Numeric && s.Count > 0 && (math.IsInf(s.Min, 0) || math.IsInf(s.Max, 0)) {
				t.Fatalf("column %q holds an infinite value", c)
			}
		}
		if _, err := fingerprint(tab); err != nil {
			t.Fatal(err)
		}
	})
}
