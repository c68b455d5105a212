package data

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReadOptions sets how a file is parsed.
type ReadOptions struct {
	// Delimiter separates CSV fields. Zero detects it from the header: the
	// most frequent of ',', ';' and '\t' outside quotes, ',' when none
	// occurs. Any other single-byte ASCII character may be set.
	Delimiter rune
	// Decimal is the decimal mark of numbers: 0 or '.' for a point, ','
	// for a decimal comma.
	Decimal rune
	// Missing lists the cell texts that mark a missing value, compared
	// after trimming spaces and without regard to ASCII case. Nil means
	// DefaultMissing(); an empty non-nil slice means no markers at all.
	Missing []string
	// Categorical lists column names or glob patterns read as categories
	// whatever their cells hold. Id columns belong here too, so that codes
	// such as "06037" keep their text. A pattern that matches no column
	// is an error.
	Categorical []string
	// Columns, when not nil, lists the only columns to read, by exact
	// name. The others are skipped without parsing their cells, so a bad
	// value in an unused column cannot fail the read. A listed name
	// the file lacks is no error here: Transform reports missing inputs.
	Columns []string
}

// DefaultMissing returns the missing-value markers used when
// ReadOptions.Missing is nil: "", "NA", "NaN", "null", "N/A" and "?".
func DefaultMissing() []string {
	return []string{"", "NA", "NaN", "null", "N/A", "?"}
}

// reads reports whether the column is read, as Columns sets.
func (o ReadOptions) reads(name string) bool {
	return o.Columns == nil || slices.Contains(o.Columns, name)
}

func (o ReadOptions) validate() error {
	switch o.Delimiter {
	case 0, ',', ';', '\t':
	default:
		if o.Delimiter > 127 || o.Delimiter == '"' || o.Delimiter == '\n' || o.Delimiter == '\r' {
			return optionError("delimiter %q: use one ASCII character other than a quote or a line break", o.Delimiter)
		}
	}
	switch o.Decimal {
	case 0, '.', ',':
	default:
		return optionError("decimal mark %q: use '.' or ','", o.Decimal)
	}
	if o.Decimal == ',' && o.Delimiter == ',' {
		return optionError("decimal mark ',' needs another delimiter, such as ';'")
	}
	for _, p := range o.Categorical {
		if err := checkPattern(p); err != nil {
			return err
		}
	}
	return nil
}

// ReadFile reads a CSV file, or a Parquet file when the name ends in
// .parquet. See the package documentation for the rules.
func ReadFile(path string, opts ReadOptions) (*Table, error) {
	return readFileExtra(context.Background(), path, opts, readExtra{})
}

// ReadFileContext is ReadFile that stops early when ctx is done.
func ReadFileContext(ctx context.Context, path string, opts ReadOptions) (*Table, error) {
	return readFileExtra(ctx, path, opts, readExtra{})
}

// ReadCSV reads CSV text from r. The name is used in messages.
func ReadCSV(ctx context.Context, name string, r io.Reader, opts ReadOptions) (*Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var size int64
	if sized, ok := r.(interface{ Len() int }); ok {
		size = int64(sized.Len())
	}
	return readCSV(ctx, name, r, size, opts, readExtra{})
}

// readExtra lists more columns to read as categorical than
// ReadOptions.Categorical does. Unlike those patterns, a name or pattern
// here that matches no column is no error: Load uses it for the id columns
// and for the training file's categorical columns.
type readExtra struct {
	names    map[string]bool
	patterns []string
}

func (x readExtra) has(name string) bool {
	if x.names[name] {
		return true
	}
	for _, p := range x.patterns {
		if matchName(p, name) {
			return true
		}
	}
	return false
}

// readFileExtra reads a CSV or Parquet file.
func readFileExtra(ctx context.Context, path string, opts ReadOptions, extra readExtra) (*Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if isParquet(path) {
		return readParquet(ctx, path, opts, extra)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	return readCSV(ctx, path, f, size, opts, extra)
}

// sniff rejects files that are clearly not UTF-8 CSV text, and strips a
// UTF-8 byte order mark.
func sniff(name string, s *csvScanner) error {
	head, _ := s.r.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		_, err := s.r.Discard(3)
		return err
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return &ParseError{File: name, Err: ErrUnsupported, Detail: "the file is UTF-16 text", Hint: "save it as UTF-8"}
	case bytes.HasPrefix(head, []byte("\x1F\x8B")):
		return &ParseError{File: name, Err: ErrUnsupported, Detail: "the file is gzip-compressed", Hint: "decompress it first"}
	case bytes.HasPrefix(head, []byte("PAR1")):
		return &ParseError{File: name, Err: ErrUnsupported, Detail: "the file is Parquet", Hint: "give it a .parquet extension"}
	}
	return nil
}

// reserveAfter is the number of rows after which the reader estimates the
// file's row count from its size and reserves column storage once, instead
// of growing every column by repeated doubling.
const reserveAfter = 1024

func readCSV(ctx context.Context, name string, r io.Reader, size int64, opts ReadOptions, extra readExtra) (*Table, error) {
	s := newCSVScanner(r, byte(opts.Delimiter), size)
	if err := sniff(name, s); err != nil {
		return nil, err
	}

	// Header.
	ok, err := s.next()
	if err != nil {
		return nil, placeError(err, name, nil, s.errField)
	}
	if !ok {
		return nil, &ParseError{File: name, Err: ErrEmptyFile, Hint: "give a file with a header line and data rows"}
	}
	headerLine := s.recLine
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = string(trimSpace(f))
	}
	if err := checkHeader(name, headerLine, names); err != nil {
		return nil, err
	}
	if err := delimiterMismatch(name, s, opts); err != nil {
		return nil, err
	}
	isForced, err := forcedColumns(names, opts.Categorical, extra)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	builders := make([]*columnBuilder, len(names))
	for i, n := range names {
		if opts.reads(n) {
			builders[i] = newColumnBuilder(n, isForced[i])
		}
	}

	// Rows.
	missing := opts.Missing
	if missing == nil {
		missing = DefaultMissing()
	}
	parser := newCellParser(missing, opts.Decimal)
	state := &readState{file: name}
	var lines []int32
	for {
		ok, err := s.next()
		if err != nil {
			return nil, placeError(err, name, names, s.errField)
		}
		if !ok {
			break
		}
		if len(s.fields) != len(names) {
			return nil, &ParseError{
				File: name, Line: s.recLine, Err: ErrColumnCount,
				Detail: fmt.Sprintf("%d fields, but the header on line %d has %d", len(s.fields), headerLine, len(names)),
				Hint:   "quote any value that contains the delimiter, and give every row one field per column",
			}
		}
		for i, f := range s.fields {
			if b := builders[i]; b != nil {
				b.add(f, s.fieldLine(i), parser, state)
			}
		}
		lines = append(lines, int32(s.recLine))

		if len(lines)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if len(lines) == reserveAfter && size > 0 && s.consumed > 0 {
			// Every row takes at least one byte per column (delimiters and
			// the line end), which bounds the estimate.
			estimate := int(float64(size)/float64(s.consumed)*float64(len(lines))*1.05) + 16
			estimate = min(estimate, int(size)/len(names)+1)
			lines = slices.Grow(lines, estimate-len(lines))
			for _, b := range builders {
				if b != nil {
					b.reserve(estimate)
				}
			}
		}
	}
	if len(lines) == 0 {
		return nil, &ParseError{File: name, Line: headerLine, Err: ErrNoRows, Hint: "add data rows below the header"}
	}
	return assemble(name, builders, lines, state)
}

// assemble finishes the columns and reports the first problem found in
// the cells, by line.
func assemble(name string, builders []*columnBuilder, lines []int32, state *readState) (*Table, error) {
	t := &Table{name: name, index: make(map[string]int, len(builders)), lines: slices.Clip(lines)}
	var first *ParseError
	for _, b := range builders {
		if b == nil {
			continue
		}
		c, perr := b.finish(state)
		if perr != nil {
			if first == nil || perr.Line < first.Line {
				first = perr
			}
			continue
		}
		t.index[c.name] = len(t.columns)
		t.columns = append(t.columns, c)
	}
	if state.nonFiniteCount > 0 {
		c := state.nonFinite[0]
		if first == nil || c.line <= first.Line {
			first = nonFiniteError(name, state)
		}
	}
	if first != nil {
		return nil, first
	}
	return t, nil
}

func nonFiniteError(name string, state *readState) *ParseError {
	c := state.nonFinite[0]
	e := &ParseError{
		File: name, Line: c.line, Column: c.column, Value: c.value, Err: ErrNonFinite,
		Hint: "values must be finite: fix the cell, or leave it empty to mark it missing",
	}
	if more := state.nonFiniteCount - 1; more > 0 {
		var list []string
		for _, o := range state.nonFinite[1:] {
			list = append(list, position("", o.line, o.column, o.value))
		}
		if hidden := more - len(list); hidden > 0 {
			list = append(list, fmt.Sprintf("%d more", hidden))
		}
		e.Detail = fmt.Sprintf("%d more non-finite cells: %s", more, strings.Join(list, "; "))
		e.Hint = "values must be finite: fix the cells, or leave them empty to mark them missing"
	}
	return e
}

// placeError fills in the file and column of a scanner error about the
// field at index field.
func placeError(err error, name string, names []string, field int) error {
	pe, ok := err.(*ParseError)
	if !ok {
		return fmt.Errorf("read %s: %w", name, err)
	}
	pe.File = name
	if field >= 0 && field < len(names) {
		pe.Column = names[field]
	}
	return pe
}

// checkHeader rejects empty and duplicate column names.
func checkHeader(file string, line int, names []string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if !utf8.ValidString(n) {
			return &ParseError{
				File: file, Line: line, Column: strings.ToValidUTF8(n, "\uFFFD"), Err: ErrEncoding,
				Detail: fmt.Sprintf("header field %d is not UTF-8 text; the file may be saved as Latin-1 or Windows-1252", i+1),
				Hint:   encodingHint,
			}
		}
		if n == "" {
			return &ParseError{
				File: file, Line: line, Err: ErrEmptyColumnName,
				Detail: fmt.Sprintf("header field %d of %d is empty", i+1, len(names)),
				Hint:   "name every column, and remove any delimiter at the end of the header",
			}
		}
		if j, dup := seen[n]; dup {
			return &ParseError{
				File: file, Line: line, Column: n, Err: ErrDuplicateColumn,
				Detail: fmt.Sprintf("columns %d and %d are both named %q", j+1, i+1, n),
				Hint:   "rename one of them so that every column name is unique",
			}
		}
		seen[n] = i
	}
	return nil
}

// delimiterMismatch reports a file that reads as one column with the
// detected delimiter although its header holds another candidate, and a
// file whose detected ';' comes with decimal commas that the options do
// not declare. Spreadsheets in many European locales write such files.
func delimiterMismatch(file string, s *csvScanner, opts ReadOptions) error {
	if !s.detected || s.delim != ';' || opts.Decimal != 0 {
		return nil
	}
	// Peek at the first data line: decimal commas show there.
	ahead, _ := s.r.Peek(64 << 10)
	first, _, _ := bytes.Cut(ahead, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	for _, cell := range bytes.Split(first, []byte(";")) {
		cell = trimSpace(bytes.Trim(cell, `"`))
		if looksLikeDecimalComma(string(cell)) {
			header := "split on ',' the header is one field"
			if s.counts.comma > 0 {
				header = fmt.Sprintf("the header has %d ','", s.counts.comma)
			}
			return &ParseError{
				File: file, Line: s.recLine, Err: ErrDelimiter,
				Detail: fmt.Sprintf("%s, but it contains %d ';' and the next line has values such as %q: the file looks ';'-separated with decimal commas",
					header, s.counts.semicolon, cell),
				Hint: "set --delimiter ';' and --decimal ','",
			}
		}
	}
	return nil
}

// forcedColumns marks the columns matched by the patterns or by extra. A
// pattern that matches no column is an error.
func forcedColumns(names, patterns []string, extra readExtra) ([]bool, error) {
	out := make([]bool, len(names))
	for i, n := range names {
		out[i] = extra.has(n)
	}
	for _, p := range patterns {
		matched := false
		for i, n := range names {
			if matchName(p, n) {
				out[i] = true
				matched = true
			}
		}
		if !matched {
			return nil, fmt.Errorf("categorical column %s: %w; the header has %s", strconv.Quote(p), ErrNoMatch, listNames(names, 12))
		}
	}
	return out, nil
}
