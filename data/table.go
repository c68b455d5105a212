package data

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hrmg/hrmg/metrics"
)

// ColumnKind is a column's inferred type.
type ColumnKind uint8

// The column kinds. The zero ColumnKind means "no such column".
const (
	Numeric ColumnKind = iota + 1
	Categorical
)

// String returns "numeric" or "categorical".
func (k ColumnKind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	default:
		return fmt.Sprintf("ColumnKind(%d)", uint8(k))
	}
}

// MarshalText encodes the kind by name, for the model file.
func (k ColumnKind) MarshalText() ([]byte, error) {
	if k != Numeric && k != Categorical {
		return nil, fmt.Errorf("data: cannot encode %v", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a kind written by MarshalText.
func (k *ColumnKind) UnmarshalText(text []byte) error {
	switch string(text) {
	case "numeric":
		*k = Numeric
	case "categorical":
		*k = Categorical
	default:
		return fmt.Errorf("data: unknown column kind %q: want numeric or categorical", text)
	}
	return nil
}

// column is one parsed column, shared by a table and its views.
type column struct {
	name string
	kind ColumnKind
	// values holds a Numeric column; NaN marks a missing cell.
	values []float32
	// codes holds a Categorical column as indexes into levels; -1 marks a
	// missing cell.
	codes []int32
	// levels lists a Categorical column's distinct texts in order of first
	// appearance in the file.
	levels []string
}

func (c *column) missingAt(row int) bool {
	if c.kind == Numeric {
		return math.IsNaN(float64(c.values[row]))
	}
	return c.codes[row] < 0
}

// Table is a parsed file, stored by column. Numeric columns are float32
// (about 7 significant digits) with NaN for a missing cell; categorical
// columns store each distinct text once.
//
// A Table may be a view that selects some rows of another table, as the
// parts of a split are: views share the column storage, which is never
// modified after reading.
type Table struct {
	name    string
	columns []*column
	index   map[string]int
	// lines holds the 1-based physical line of each stored row.
	lines []int32
	// rows lists the stored rows in this view, in order; nil means every
	// stored row.
	rows []int32
}

// Name returns the path the table was read from, for messages.
func (t *Table) Name() string { return t.name }

// Columns returns the column names in file order.
func (t *Table) Columns() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	return names
}

// Len returns the number of rows.
func (t *Table) Len() int {
	if t.rows != nil {
		return len(t.rows)
	}
	return len(t.lines)
}

// Has reports whether the table has the named column.
func (t *Table) Has(name string) bool {
	_, ok := t.index[name]
	return ok
}

// Kind returns the named column's kind, or 0 if there is no such column.
func (t *Table) Kind(name string) ColumnKind {
	c := t.column(name)
	if c == nil {
		return 0
	}
	return c.kind
}

// stored maps row i of the view to its row in the column storage.
func (t *Table) stored(i int) int {
	if t.rows != nil {
		return int(t.rows[i])
	}
	return i
}

func (t *Table) column(name string) *column {
	i, ok := t.index[name]
	if !ok {
		return nil
	}
	return t.columns[i]
}

// mustColumn returns the named column or an error that lists the columns
// the table has.
func (t *Table) mustColumn(name string) (*column, error) {
	if c := t.column(name); c != nil {
		return c, nil
	}
	return nil, &ParseError{
		File: t.name, Line: 1, Column: name, Err: ErrMissingColumn,
		Hint: "the header has " + listNames(t.Columns(), 12),
	}
}

// Line returns the 1-based physical line of row i in its file (the row
// number for Parquet files).
func (t *Table) Line(i int) int { return int(t.lines[t.stored(i)]) }

// Lines returns the 1-based physical line of every row.
func (t *Table) Lines() []int {
	out := make([]int, t.Len())
	for i := range out {
		out[i] = t.Line(i)
	}
	return out
}

// Missing returns the number of missing cells in the named column.
func (t *Table) Missing(name string) (int, error) {
	c, err := t.mustColumn(name)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range t.Len() {
		if c.missingAt(t.stored(i)) {
			n++
		}
	}
	return n, nil
}

// Numbers returns a numeric column as float64, with NaN for missing cells.
// Each float32 value is widened to the float64 nearest to its shortest
// decimal form, so a cell written 29.88 reads back as 29.88 rather than
// 29.879999.
func (t *Table) Numbers(name string) ([]float64, error) {
	c, err := t.mustColumn(name)
	if err != nil {
		return nil, err
	}
	if c.kind != Numeric {
		return nil, fmt.Errorf("%s: column %q is %v, not numeric", t.name, name, c.kind)
	}
	out := make([]float64, t.Len())
	for i := range out {
		out[i] = widen(c.values[t.stored(i)])
	}
	return out, nil
}

// Strings returns a column's cells as text: categories as read, numbers in
// their shortest decimal form, and "" for missing cells.
func (t *Table) Strings(name string) ([]string, error) {
	c, err := t.mustColumn(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, t.Len())
	for i := range out {
		out[i] = c.text(t.stored(i))
	}
	return out, nil
}

// text returns stored row r of the column as text, "" when missing.
func (c *column) text(r int) string {
	if c.kind == Categorical {
		if code := c.codes[r]; code >= 0 {
			return c.levels[code]
		}
		return ""
	}
	v := c.values[r]
	if math.IsNaN(float64(v)) {
		return ""
	}
	return strconv.FormatFloat(float64(v), 'g', -1, 32)
}

// Subset returns a view of the given rows of t, in the given order. Row
// indexes refer to t, not to the file.
func (t *Table) Subset(rows []int) *Table {
	view := &Table{name: t.name, columns: t.columns, index: t.index, lines: t.lines}
	view.rows = make([]int32, len(rows))
	for i, r := range rows {
		if r < 0 || r >= t.Len() {
			panic(fmt.Sprintf("data: subset row %d out of range [0, %d)", r, t.Len()))
		}
		view.rows[i] = int32(t.stored(r))
	}
	return view
}

// widen converts a stored float32 to the float64 nearest to its shortest
// decimal representation.
func widen(v float32) float64 {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return float64(v)
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], float64(v), 'g', -1, 32)
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return float64(v)
	}
	return f
}

// listNames formats up to max names for a message, quoting each one.
func listNames(names []string, max int) string {
	quoted := make([]string, 0, min(len(names), max))
	for i, n := range names {
		if i == max {
			break
		}
		quoted = append(quoted, strconv.Quote(n))
	}
	s := strings.Join(quoted, ", ")
	if len(names) > max {
		s += fmt.Sprintf(" and %d more", len(names)-max)
	}
	return s
}

// Category is one distinct value of a categorical column and the number of
// rows that hold it.
type Category struct {
	Value string
	Count int
}

// ColumnSummary describes one column of a table, over the table's rows.
type ColumnSummary struct {
	Name string
	Kind ColumnKind
	// Count is the number of present (non-missing) cells; Missing the rest.
	Count, Missing int
	// Distinct is the number of distinct present values.
	Distinct int
	// Min, Max, Mean, Std (sample, n-1) and Median summarise a numeric
	// column's present values. They are NaN when Count is 0, and zero for
	// categorical columns.
	Min, Max, Mean, Std, Median float64
	// Categories lists a categorical column's values by descending count,
	// ties by value.
	Categories []Category
	// IDLike marks a categorical column with about one distinct value per
	// row, such as a tract id: one-hot encoding it would add a column per
	// row and help no model.
	IDLike bool
}

// idLikeMinDistinct and idLikeShare define an id-like column: at least
// idLikeMinDistinct distinct values, and distinct values in at least
// idLikeShare of the present cells.
const (
	idLikeMinDistinct = 20
	idLikeShare       = 0.9
)

// Summary describes the named column over the table's rows.
func (t *Table) Summary(name string) (ColumnSummary, error) {
	c, err := t.mustColumn(name)
	if err != nil {
		return ColumnSummary{}, err
	}
	s := ColumnSummary{Name: name, Kind: c.kind}
	n := t.Len()
	if c.kind == Categorical {
		counts := make([]int, len(c.levels))
		for i := range n {
			if code := c.codes[t.stored(i)]; code >= 0 {
				counts[code]++
				s.Count++
			}
		}
		for code, k := range counts {
			if k > 0 {
				s.Categories = append(s.Categories, Category{c.levels[code], k})
			}
		}
		slices.SortFunc(s.Categories, func(a, b Category) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return cmp.Compare(a.Value, b.Value)
		})
		s.Missing = n - s.Count
		s.Distinct = len(s.Categories)
		s.IDLike = s.Distinct >= idLikeMinDistinct && float64(s.Distinct) >= idLikeShare*float64(s.Count)
		return s, nil
	}

	present := make([]float64, 0, n)
	for i := range n {
		if v := c.values[t.stored(i)]; !math.IsNaN(float64(v)) {
			present = append(present, float64(v))
		}
	}
	s.Count = len(present)
	s.Missing = n - s.Count
	if s.Count == 0 {
		nan := math.NaN()
		s.Min, s.Max, s.Mean, s.Std, s.Median = nan, nan, nan, nan, nan
		return s, nil
	}
	slices.Sort(present)
	s.Min, s.Max = present[0], present[len(present)-1]
	s.Median = median(present)
	s.Mean, s.Std = metrics.MeanStd(present)
	s.Distinct = 1
	for i := 1; i < len(present); i++ {
		if present[i] != present[i-1] {
			s.Distinct++
		}
	}
	return s, nil
}

// median returns the median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
