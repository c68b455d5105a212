package data

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cellClass is the kind of content a cell has: missing, a number, a
// non-finite number or text.
type cellClass uint8

const (
	cellMissing cellClass = iota
	cellNumber
	cellNonFinite // parses as a number but is infinite, NaN or beyond float32
	cellText
)

// cellParser classifies cell text. It holds the missing-value markers and
// the decimal mark.
type cellParser struct {
	// markers holds the missing-value markers in ASCII lower case.
	markers      map[string]struct{}
	maxMarkerLen int
	emptyMissing bool
	// numericMarkers is set when a marker parses as a number (such as
	// -9999), so markers must be checked before parsing.
	numericMarkers bool
	decimalComma   bool
}

func newCellParser(missing []string, decimal rune) *cellParser {
	p := &cellParser{markers: make(map[string]struct{}), decimalComma: decimal == ','}
	for _, m := range missing {
		m = string(trimSpace([]byte(m)))
		if m == "" {
			p.emptyMissing = true
			continue
		}
		key := string(lowerASCII(nil, []byte(m)))
		p.markers[key] = struct{}{}
		p.maxMarkerLen = max(p.maxMarkerLen, len(key))
		if _, ok := p.parseNumber([]byte(m)); ok {
			p.numericMarkers = true
		}
	}
	return p
}

// trimSpace removes ASCII spaces and tabs around a cell.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func lowerASCII(dst, b []byte) []byte {
	for _, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}

// isMissing reports whether trimmed cell text is a missing-value marker,
// ignoring ASCII case.
func (p *cellParser) isMissing(b []byte) bool {
	if len(b) == 0 {
		return p.emptyMissing
	}
	if len(b) > p.maxMarkerLen {
		return false
	}
	var buf [32]byte
	key := lowerASCII(buf[:0], b)
	_, ok := p.markers[string(key)]
	return ok
}

// parseNumber parses trimmed cell text as a float32. It returns ok false
// for text that is not a number. A number that is infinite, NaN or beyond
// the float32 range returns ok true with a non-finite value.
func (p *cellParser) parseNumber(b []byte) (v float32, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	if p.decimalComma {
		var buf [64]byte
		if len(b) > len(buf) {
			return 0, false
		}
		n := copy(buf[:], b)
		for i := range n {
			switch buf[i] {
			case '.':
				return 0, false // a '.' is a thousands separator or a typo here
			case ',':
				buf[i] = '.'
			}
		}
		b = buf[:n]
	}
	if v, ok := parseSimpleFloat32(b); ok {
		return v, true
	}
	f, err := strconv.ParseFloat(string(b), 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return float32(f), true
}

// classify returns what a cell is and, for a number, its value.
func (p *cellParser) classify(raw []byte) (cellClass, float32) {
	b := trimSpace(raw)
	if p.numericMarkers && p.isMissing(b) {
		return cellMissing, 0
	}
	v, ok := p.parseNumber(b)
	if ok {
		if !math.IsInf(float64(v), 0) && !math.IsNaN(float64(v)) {
			return cellNumber, v
		}
		if p.isMissing(b) {
			return cellMissing, 0
		}
		return cellNonFinite, v
	}
	if p.isMissing(b) {
		return cellMissing, 0
	}
	return cellText, 0
}

// cellRef is a cell remembered for a message.
type cellRef struct {
	line   int
	column string
	value  string
}

// readState collects findings about cells across all columns of a file.
type readState struct {
	file           string
	nonFinite      []cellRef // the first maxListed non-finite cells
	nonFiniteCount int
}

// maxListed is how many cells an error message lists.
const maxListed = 5

func (r *readState) addNonFinite(c cellRef) {
	r.nonFiniteCount++
	if len(r.nonFinite) < maxListed {
		r.nonFinite = append(r.nonFinite, c)
	}
}

// columnBuilder infers one column's kind while its cells arrive. The kind is
// decided by the first present cell: a number starts a numeric column and
// text a categorical one. Counts of numbers and text decide at the end
// whether the column is usable (see finish).
type columnBuilder struct {
	name   string
	forced bool // read as categorical whatever the cells hold
	kind   ColumnKind
	rows   int

	values []float32
	codes  []int32
	levels []string
	dict   map[string]int32

	// pending holds non-finite cells seen before the kind was decided: in a
	// numeric column they are errors, in a text column they are words
	// (such as the name "Nan").
	pending []pendingCell

	numbers, texts         int
	firstNumber, firstText cellRef
	// commaNumbers counts text cells that look like numbers with a decimal
	// comma, such as "6,1710".
	commaNumbers int
	// badText is the first text cell that is not UTF-8, or nil.
	badText *cellRef
}

type pendingCell struct {
	row   int
	line  int
	value string
}

func newColumnBuilder(name string, forced bool) *columnBuilder {
	b := &columnBuilder{name: name, forced: forced}
	if forced {
		b.becomeText()
	}
	return b
}

// reserve makes room for n rows in total.
func (b *columnBuilder) reserve(n int) {
	switch b.kind {
	case Numeric:
		if n > cap(b.values) {
			grown := make([]float32, len(b.values), n)
			copy(grown, b.values)
			b.values = grown
		}
	case Categorical:
		if n > cap(b.codes) {
			grown := make([]int32, len(b.codes), n)
			copy(grown, b.codes)
			b.codes = grown
		}
	}
}

func (b *columnBuilder) becomeNumeric(r *readState) {
	b.kind = Numeric
	b.values = make([]float32, b.rows, max(b.rows, 16))
	nan := float32(math.NaN())
	for i := range b.values {
		b.values[i] = nan
	}
	for _, p := range b.pending {
		r.addNonFinite(cellRef{p.line, b.name, p.value})
	}
	b.pending = nil
}

func (b *columnBuilder) becomeText() {
	b.kind = Categorical
	b.dict = make(map[string]int32)
	b.codes = make([]int32, b.rows, max(b.rows, 16))
	for i := range b.codes {
		b.codes[i] = -1
	}
	for _, p := range b.pending {
		b.codes[p.row] = b.internAt([]byte(p.value), p.line)
		b.countText(p.line, p.value)
	}
	b.pending = nil
}

// internAt returns the code of a text cell on a line, adding a new level
// for text not seen before. A new level that is not UTF-8 is recorded for
// finish to report, since categories are compared as text.
func (b *columnBuilder) internAt(text []byte, line int) int32 {
	if code, ok := b.dict[string(text)]; ok {
		return code
	}
	if b.badText == nil && !utf8.Valid(text) {
		b.badText = &cellRef{line, b.name, strings.ToValidUTF8(string(text), "\uFFFD")}
	}
	return b.intern(text)
}

func (b *columnBuilder) intern(text []byte) int32 {
	if code, ok := b.dict[string(text)]; ok {
		return code
	}
	code := int32(len(b.levels))
	s := string(text)
	b.dict[s] = code
	b.levels = append(b.levels, s)
	return code
}

func (b *columnBuilder) countText(line int, value string) {
	if b.texts == 0 {
		b.firstText = cellRef{line, b.name, value}
	}
	b.texts++
	if looksLikeDecimalComma(value) {
		b.commaNumbers++
	}
}

func (b *columnBuilder) countNumber(line int, value []byte) {
	if b.numbers == 0 {
		b.firstNumber = cellRef{line, b.name, string(value)}
	}
	b.numbers++
}

// add appends one cell.
func (b *columnBuilder) add(raw []byte, line int, p *cellParser, r *readState) {
	class, v := p.classify(raw)
	b.addClassified(class, v, trimSpace(raw), line, r)
}

// addClassified appends one cell that has been classified; text is the
// trimmed cell text.
func (b *columnBuilder) addClassified(class cellClass, v float32, text []byte, line int, r *readState) {
	if b.kind == 0 {
		switch class {
		case cellMissing:
			b.rows++
			return
		case cellNonFinite:
			b.pending = append(b.pending, pendingCell{b.rows, line, string(text)})
			b.rows++
			return
		case cellNumber:
			b.becomeNumeric(r)
		case cellText:
			b.becomeText()
		}
	}
	b.rows++

	if b.kind == Numeric {
		switch class {
		case cellNumber:
			b.values = append(b.values, v)
			b.countNumber(line, text)
			return
		case cellNonFinite:
			r.addNonFinite(cellRef{line, b.name, string(text)})
		case cellText:
			b.countText(line, string(text))
		}
		b.values = append(b.values, float32(math.NaN()))
		return
	}

	if class == cellMissing {
		b.codes = append(b.codes, -1)
		return
	}
	b.codes = append(b.codes, b.internAt(text, line))
	if b.forced {
		return
	}
	switch {
	case class == cellNumber:
		b.countNumber(line, text)
	case b.texts == 0 || looksLikeDecimalComma(string(text)):
		b.countText(line, string(text))
	default:
		b.texts++ // the common case, without allocating the text
	}
}

// addMissing appends a missing cell.
func (b *columnBuilder) addMissing(line int, r *readState) {
	b.addClassified(cellMissing, 0, nil, line, r)
}

// finish completes the column. A column whose present cells are all
// numbers is numeric, and so is a column of only missing cells. A column
// whose present cells are all text, or that was forced, is categorical.
// A column with both numbers and text is an error, reported at the first
// cell of the minority kind. Stray text in a numeric column is
// ErrNonNumeric, and numbers in a text column are ErrMixedColumn.
func (b *columnBuilder) finish(r *readState) (*column, *ParseError) {
	if b.kind == 0 {
		b.becomeNumeric(r)
	}
	if b.kind == Categorical && b.badText != nil && (b.forced || b.numbers == 0) {
		c := b.badText
		return nil, &ParseError{
			File: r.file, Line: c.line, Column: c.column, Value: c.value, Err: ErrEncoding,
			Detail: "the cell is not UTF-8 text; the file may be saved as Latin-1 or Windows-1252",
			Hint:   encodingHint,
		}
	}
	if b.forced {
		return b.column(), nil
	}
	if b.numbers > 0 && b.texts > 0 {
		return nil, b.mixedError(r.file)
	}
	if b.texts > 0 && b.commaNumbers == b.texts {
		return nil, &ParseError{
			File: r.file, Line: b.firstText.line, Column: b.name, Value: b.firstText.value,
			Err:    ErrNonNumeric,
			Detail: "every value in this column is a number with a decimal comma",
			Hint:   "set --decimal ,",
		}
	}
	return b.column(), nil
}

func (b *columnBuilder) column() *column {
	return &column{name: b.name, kind: b.kind, values: b.values, codes: b.codes, levels: b.levels}
}

func (b *columnBuilder) mixedError(file string) *ParseError {
	if b.numbers >= b.texts {
		e := &ParseError{
			File: file, Line: b.firstText.line, Column: b.name, Value: b.firstText.value,
			Err:  ErrNonNumeric,
			Hint: "fix the cell, or leave it empty to mark it missing",
		}
		switch {
		case b.texts == 1 && b.numbers == 1:
			e.Detail = "the other value in this column is a number"
		case b.texts == 1:
			e.Detail = fmt.Sprintf("the other %d values in this column are numbers", b.numbers)
		default:
			e.Detail = fmt.Sprintf("%d values in this column are numbers and %d are text, and this is the first text value", b.numbers, b.texts)
			e.Hint = "fix the cells, or leave them empty to mark them missing"
		}
		switch {
		case b.firstText.value == "":
			e.Detail = "the cell is empty, empty is not a missing-value marker here, and " + e.Detail
			e.Hint = "fill in the cell, or add an empty marker to the missing-value markers (--missing)"
		case looksLikeDecimalComma(b.firstText.value):
			e.Hint = "the value looks like a number with a decimal comma: set --decimal ,"
		}
		return e
	}
	return &ParseError{
		File: file, Line: b.firstNumber.line, Column: b.name, Value: b.firstNumber.value,
		Err:    ErrMixedColumn,
		Detail: fmt.Sprintf("%d values in this column are text and %d are numbers, and this is the first number", b.texts, b.numbers),
		Hint:   fmt.Sprintf("pass --categorical %q to read every value as a category, or fix the numbers", b.name),
	}
}

// looksLikeDecimalComma reports whether s is digits, one comma and digits,
// with an optional sign: "6,1710" or "-0,5".
func looksLikeDecimalComma(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	comma := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == ',' && comma < 0:
			comma = i
		default:
			return false
		}
	}
	return comma > 0 && comma < len(s)-1
}
