package data

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readString(input string, opts ReadOptions) (*Table, error) {
	return ReadCSV(context.Background(), "in.csv", strings.NewReader(input), opts)
}

// cellError describes an expected *ParseError; zero fields are not checked.
type cellError struct {
	err    error
	line   int
	column string
	value  string
	// contains lists fragments the message must hold.
	contains []string
}

func checkError(t *testing.T, err error, want cellError) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want.err)
	}
	if !errors.Is(err, want.err) {
		t.Fatalf("error = %v, want it to wrap %v", err, want.err)
	}
	var pe *ParseError
	if want.line != 0 || want.column != "" || want.value != "" {
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *ParseError", err)
		}
		if want.line != 0 && pe.Line != want.line {
			t.Errorf("line = %d, want %d (%v)", pe.Line, want.line, err)
		}
		if want.column != "" && pe.Column != want.column {
			t.Errorf("column = %q, want %q (%v)", pe.Column, want.column, err)
		}
		if want.value != "" && pe.Value != want.value {
			t.Errorf("value = %q, want %q (%v)", pe.Value, want.value, err)
		}
	}
	for _, s := range want.contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not contain %q", err.Error(), s)
		}
	}
}

// column summary of a table read in a test, for compact expectations.
type colWant struct {
	kind   ColumnKind
	values []string // Table.Strings
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  map[string]colWant
		lines []int
	}{
		{
			name:  "comma",
			input: "a,b\n1,x\n2.5,y\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1", "2.5"}}, "b": {Categorical, []string{"x", "y"}}},
			lines: []int{2, 3},
		},
		{
			name:  "semicolon detected",
			input: "a;b\n1;2\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1"}}, "b": {Numeric, []string{"2"}}},
		},
		{
			name:  "tab detected",
			input: "a\tb\n1\t2\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1"}}, "b": {Numeric, []string{"2"}}},
		},
		{
			name:  "delimiter set",
			input: "a|b\n1|2\n",
			opts:  ReadOptions{Delimiter: '|'},
			want:  map[string]colWant{"a": {Numeric, []string{"1"}}, "b": {Numeric, []string{"2"}}},
		},
		{
			name:  "one column",
			input: "target\n1\n2\n",
			want:  map[string]colWant{"target": {Numeric, []string{"1", "2"}}},
		},
		{
			name:  "byte order mark and quoted header",
			input: "\xEF\xBB\xBF\"a\",\"b\"\n1,2\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1"}}, "b": {Numeric, []string{"2"}}},
		},
		{
			name:  "CRLF line endings",
			input: "a,b\r\n1,x\r\n2,y",
			want:  map[string]colWant{"a": {Numeric, []string{"1", "2"}}, "b": {Categorical, []string{"x", "y"}}},
			lines: []int{2, 3},
		},
		{
			name:  "quoted delimiter and doubled quote",
			input: "a,b\n1,\"x, \"\"big\"\"\"\n2,y\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1", "2"}}, "b": {Categorical, []string{`x, "big"`, "y"}}},
		},
		{
			name:  "line break in quotes keeps physical lines",
			input: "a,b\n1,\"two\r\nlines\"\n2,y\n\n3,z\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1", "2", "3"}}, "b": {Categorical, []string{"two\nlines", "y", "z"}}},
			lines: []int{2, 4, 6},
		},
		{
			name:  "quote inside unquoted field is literal",
			input: "a,b\n1,12\" pipe\n2,y\n",
			want:  map[string]colWant{"b": {Categorical, []string{`12" pipe`, "y"}}},
		},
		{
			name:  "blank lines and spaces around cells",
			input: "\n a , b \n\n 1 , x \n   \n2,y\n",
			want:  map[string]colWant{"a": {Numeric, []string{"1", "2"}}, "b": {Categorical, []string{"x", "y"}}},
			lines: []int{4, 6},
		},
		{
			name:  "default missing markers in any case",
			input: "a,b\n1,x\n,y\nNA,\nnan,z\nNULL,n/a\n?,w\n",
			want: map[string]colWant{
				"a": {Numeric, []string{"1", "", "", "", "", ""}},
				"b": {Categorical, []string{"x", "y", "", "z", "", "w"}},
			},
		},
		{
			name:  "numeric missing marker",
			input: "a\n1\n-9999\n3\n",
			opts:  ReadOptions{Missing: []string{"-9999"}},
			want:  map[string]colWant{"a": {Numeric, []string{"1", "", "3"}}},
		},
		{
			name:  "decimal comma",
			input: "a;b\n6,1710;88,5\n-0,5;1\n",
			opts:  ReadOptions{Decimal: ','},
			want:  map[string]colWant{"a": {Numeric, []string{"6.171", "-0.5"}}, "b": {Numeric, []string{"88.5", "1"}}},
		},
		{
			name:  "forced categorical keeps codes as written",
			input: "fips,y\n06037,1\n13121,2\n",
			opts:  ReadOptions{Categorical: []string{"fi*"}},
			want:  map[string]colWant{"fips": {Categorical, []string{"06037", "13121"}}, "y": {Numeric, []string{"1", "2"}}},
		},
		{
			name:  "column of only missing cells is numeric",
			input: "a,b\n,1\nNA,2\n",
			want:  map[string]colWant{"a": {Numeric, []string{"", ""}}},
		},
		{
			name:  "word nan in a text column",
			input: "name,y\nNan,1\nBob,2\n",
			opts:  ReadOptions{Missing: []string{""}},
			want:  map[string]colWant{"name": {Categorical, []string{"Nan", "Bob"}}},
		},
		{
			name:  "missing last field",
			input: "a,b\n1,\n2,3\n",
			want:  map[string]colWant{"b": {Numeric, []string{"", "3"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := readString(tt.input, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := tab.Kind(name); got != want.kind {
					t.Errorf("column %q kind = %v, want %v", name, got, want.kind)
				}
				got, err := tab.Strings(name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want.values) {
					t.Errorf("column %q = %q, want %q", name, got, want.values)
				}
			}
			if tt.lines != nil && !slices.Equal(tab.Lines(), tt.lines) {
				t.Errorf("lines = %v, want %v", tab.Lines(), tt.lines)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  cellError
	}{
		{"empty", "", ReadOptions{}, cellError{err: ErrEmptyFile, contains: []string{"in.csv"}}},
		{"only blank lines", "\n\n  \n", ReadOptions{}, cellError{err: ErrEmptyFile}},
		{"header only", "a,b\n", ReadOptions{}, cellError{err: ErrNoRows, line: 1}},
		{"empty header name", "a,,c\n1,2,3\n", ReadOptions{}, cellError{err: ErrEmptyColumnName, line: 1, contains: []string{"field 2 of 3"}}},
		{"trailing delimiter in header", "a,b,\n1,2,\n", ReadOptions{}, cellError{err: ErrEmptyColumnName, contains: []string{"field 3 of 3"}}},
		{"duplicate header", "x,a,y,a\n1,2,3,4\n", ReadOptions{}, cellError{err: ErrDuplicateColumn, line: 1, column: "a", contains: []string{"columns 2 and 4"}}},
		{"too many fields", "a,b\n1,2\n3,4,5\n", ReadOptions{}, cellError{err: ErrColumnCount, line: 3, contains: []string{"3 fields", "has 2"}}},
		{"too few fields after quoted line break", "a,b\n\"x\ny\",1\n2\n", ReadOptions{}, cellError{err: ErrColumnCount, line: 4}},
		{"unterminated quote", "a,b\n1,2\n3,\"open\n4,5\n", ReadOptions{}, cellError{err: ErrQuote, line: 3, column: "b", contains: []string{"closing quote is missing"}}},
		{"text after closing quote", "a,b\n1,\"x\"y\n", ReadOptions{}, cellError{err: ErrQuote, line: 2, column: "b"}},
		{
			"stray text in numbers", "a\n1\n2\n12m\n4\n", ReadOptions{},
			cellError{err: ErrNonNumeric, line: 4, column: "a", value: "12m", contains: []string{"other 3 values", "leave it empty"}},
		},
		{
			"stray text counts several", "a\n1\nx\n2\ny\n3\n", ReadOptions{},
			cellError{err: ErrNonNumeric, line: 3, value: "x", contains: []string{"3 values in this column are numbers and 2 are text"}},
		},
		{
			"numbers in text column", "a\nx\ny\n7\nz\n", ReadOptions{},
			cellError{err: ErrMixedColumn, line: 4, column: "a", value: "7", contains: []string{"--categorical"}},
		},
		{
			"earliest bad cell reported", "a,b\n1,1\n2,x\ny,3\n4,4\n5,5\n", ReadOptions{},
			cellError{err: ErrNonNumeric, line: 3, column: "b", value: "x"},
		},
		{
			"empty cell without empty marker", "a\n1\n\"\"\n3\n", ReadOptions{Missing: []string{"NA"}},
			cellError{err: ErrNonNumeric, line: 3, column: "a", contains: []string{"the cell is empty", "--missing"}},
		},
		{"inf", "a\n1\ninf\n", ReadOptions{}, cellError{err: ErrNonFinite, line: 3, value: "inf", contains: []string{"finite"}}},
		{"overflow", "a\n1\n1e400\n", ReadOptions{}, cellError{err: ErrNonFinite, value: "1e400"}},
		{"beyond float32", "a\n1\n1e39\n", ReadOptions{}, cellError{err: ErrNonFinite, value: "1e39"}},
		{"nan not a marker", "a\n1\nnan\n", ReadOptions{Missing: []string{""}}, cellError{err: ErrNonFinite, value: "nan"}},
		{"non-finite before kind known", "a\ninf\n2\n", ReadOptions{}, cellError{err: ErrNonFinite, line: 2, value: "inf"}},
		{
			"text column with delimiter set", "a;b\nx;1\ny;2\n", ReadOptions{Delimiter: ';'},
			cellError{err: nil},
		},
		{
			"decimal comma column with delimiter set", "a;b\n1,5;1\n2,5;2\n", ReadOptions{Delimiter: ';'},
			cellError{err: ErrNonNumeric, line: 2, column: "a", value: "1,5", contains: []string{"--decimal ,"}},
		},
		{
			"semicolon file with decimal commas", "a;b\n1,5;1\n", ReadOptions{},
			cellError{err: ErrDelimiter, line: 1, contains: []string{"one field", "';'", "--delimiter ';'", "--decimal ','"}},
		},
		{"utf-16", "\xFF\xFEa\x00", ReadOptions{}, cellError{err: ErrUnsupported, contains: []string{"UTF-16"}}},
		{"gzip", "\x1F\x8B\x08\x00", ReadOptions{}, cellError{err: ErrUnsupported, contains: []string{"gzip"}}},
		{"categorical pattern matches nothing", "a\n1\n", ReadOptions{Categorical: []string{"zone"}}, cellError{err: ErrNoMatch, contains: []string{`"zone"`}}},
		{"decimal mark", "a\n1\n", ReadOptions{Decimal: ':'}, cellError{err: ErrInvalidOption}},
		{"delimiter", "a\n1\n", ReadOptions{Delimiter: '"'}, cellError{err: ErrInvalidOption}},
		{"decimal comma with comma delimiter", "a\n1\n", ReadOptions{Delimiter: ',', Decimal: ','}, cellError{err: ErrInvalidOption}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readString(tt.input, tt.opts)
			if tt.want.err == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			checkError(t, err, tt.want)
		})
	}
}

func TestReadCSVNonFiniteListsCells(t *testing.T) {
	_, err := readString("a,b\ninf,1\n2,-Infinity\n3,1e400\n", ReadOptions{})
	checkError(t, err, cellError{
		err: ErrNonFinite, line: 2, column: "a", value: "inf",
		contains: []string{"2 more non-finite cells", `line 3, column "b", value "-Infinity"`, `line 4, column "b", value "1e400"`},
	})
}

func TestReadCSVLongLine(t *testing.T) {
	// A line longer than the reader's buffer takes the slow path.
	long := strings.Repeat("x", 3<<20)
	tab, err := readString("a,b\n1,"+long+"\n2,y\n", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tab.Strings("b")
	if len(got) != 2 || got[0] != long || got[1] != "y" {
		t.Errorf("long cell read wrongly: lengths %d, %d", len(got[0]), len(got[1]))
	}
}

func TestReadCSVStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	input := "a\n" + strings.Repeat("1\n", 10000)
	_, err := ReadCSV(ctx, "in.csv", strings.NewReader(input), ReadOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestReadFileMissingFile(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.csv"), ReadOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want os.ErrNotExist", err)
	}
}

func TestTableNumbersWidenDecimals(t *testing.T) {
	tab, err := readString("y\n29.88\n0.1\n452600.0\n", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tab.Numbers("y")
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{29.88, 0.1, 452600}; !slices.Equal(got, want) {
		t.Errorf("Numbers = %v, want %v", got, want)
	}
}

func TestTableSummary(t *testing.T) {
	tab, err := readString("n,c\n1,b\n,a\n3,b\n4,\n2,b\n", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := tab.Summary("n")
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != Numeric || n.Count != 4 || n.Missing != 1 || n.Min != 1 || n.Max != 4 || n.Median != 2.5 || n.Mean != 2.5 || n.Distinct != 4 {
		t.Errorf("numeric summary = %+v", n)
	}
	if want := math.Sqrt(5.0 / 3); math.Abs(n.Std-want) > 1e-12 {
		t.Errorf("std = %v, want %v (sample)", n.Std, want)
	}
	c, err := tab.Summary("c")
	if err != nil {
		t.Fatal(err)
	}
	want := []Category{{"b", 3}, {"a", 1}}
	if c.Kind != Categorical || c.Count != 4 || c.Missing != 1 || !slices.Equal(c.Categories, want) || c.IDLike {
		t.Errorf("categorical summary = %+v", c)
	}
	if _, err := tab.Summary("zzz"); !errors.Is(err, ErrMissingColumn) {
		t.Errorf("summary of absent column: error = %v, want ErrMissingColumn", err)
	}
}

func TestSummaryMarksIDLikeColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,y\n")
	for i := range 30 {
		b.WriteString("tract" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + ",1\n")
	}
	tab, err := readString(b.String(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tab.Summary("id")
	if !s.IDLike || s.Distinct != 30 {
		t.Errorf("summary = %+v, want an id-like column with 30 values", s)
	}
}

func TestColumnKindText(t *testing.T) {
	for _, k := range []ColumnKind{Numeric, Categorical} {
		text, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back ColumnKind
		if err := back.UnmarshalText(text); err != nil || back != k {
			t.Errorf("round trip of %v gave %v, %v", k, back, err)
		}
	}
	var k ColumnKind
	if err := k.UnmarshalText([]byte("text")); err == nil {
		t.Error("unknown kind decoded without error")
	}
}

func TestReadCSVRejectsLatin1Text(t *testing.T) {
	// "temp\xe9rature" and "for\xeat" are température and forêt written in
	// Latin-1, as spreadsheets in many European locales save CSV files.
	tests := []struct {
		name  string
		input string
		want  cellError
	}{
		{"header", "lon,temp\xe9rature,y\n1,2,3\n", cellError{err: ErrEncoding, line: 1, column: "temp\uFFFDrature", contains: []string{"UTF-8", "iconv"}}},
		{"category", "cover,y\nforest,1\nfor\xeat,2\n", cellError{err: ErrEncoding, line: 3, column: "cover", value: "for\uFFFDt", contains: []string{"Latin-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readString(tt.input, ReadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

func TestReadCSVColumnsSkipsOthers(t *testing.T) {
	input := "a,note,b\n1,1e400,x\n2,5,y\n"
	table, err := readString(input, ReadOptions{Columns: []string{"a", "b", "absent"}})
	if err != nil {
		t.Fatalf("a bad value in a skipped column failed the read: %v", err)
	}
	if got := table.Columns(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("columns = %q, want [a b]", got)
	}
	if _, err := readString(input, ReadOptions{}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("reading every column: error = %v, want ErrNonFinite", err)
	}
}
