package data

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Sentinel errors. Most reach the caller wrapped in a *ParseError that names
// the file, line, column and value; test for them with errors.Is.
var (
	ErrEmptyFile        = errors.New("file is empty, with no header line")
	ErrNoRows           = errors.New("file has a header but no data rows")
	ErrTooFewRows       = errors.New("too few rows")
	ErrDuplicateColumn  = errors.New("duplicate column name")
	ErrEmptyColumnName  = errors.New("column has no name")
	ErrColumnCount      = errors.New("wrong number of fields")
	ErrQuote            = errors.New("malformed quoted field")
	ErrNonNumeric       = errors.New("not a number")
	ErrMixedColumn      = errors.New("column mixes numbers and text")
	ErrNonFinite        = errors.New("not a finite number")
	ErrDelimiter        = errors.New("delimiter or decimal mark does not match the file")
	ErrMissingColumn    = errors.New("column not found")
	ErrEncoding         = errors.New("invalid UTF-8 text")
	ErrNoMatch          = errors.New("pattern matches no column")
	ErrIDLikeColumn     = errors.New("text column looks like an identifier")
	ErrTargetNotNumeric = errors.New("target column is not numeric")
	ErrConstantTarget   = errors.New("target is constant")
	ErrTargetRange      = errors.New("target value out of range")
	ErrNoFeatures       = errors.New("no feature columns")
	ErrCoordinate       = errors.New("invalid coordinate")
	ErrTooFewBlocks     = errors.New("too few spatial blocks")
	ErrUnsupported      = errors.New("unsupported file or column type")
	// ErrInvalidOption marks a bad option value rather than bad data, so a
	// command line tool can report it as a usage error.
	ErrInvalidOption = errors.New("invalid option")
)

// ParseError is a problem with the content of an input file. It follows
// encoding/csv's ParseError: the position is 1-based and Unwrap returns the
// sentinel, so errors.Is(err, ErrNonNumeric) works through it.
//
// Hints name hrmg's command-line flags (such as --decimal), since that is
// where most readers of these messages set the options.
type ParseError struct {
	// File is the path of the file as it was given.
	File string
	// Line is the 1-based physical line of the cell in a CSV file, counting
	// the header and any line breaks inside quoted fields, or the 1-based row
	// number in a Parquet file. Zero means the error is about the whole file.
	Line int
	// Column is the column name, or "" when the error is not about one column.
	Column string
	// Value is the cell's text, or "" when the error is not about one cell.
	Value string
	// Err is one of the package's sentinel errors.
	Err error
	// Detail holds the facts behind Err for this cell, such as how many
	// other cells of the column are numbers.
	Detail string
	// Hint is the advice on what to do about the error.
	Hint string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(position(e.File, e.Line, e.Column, e.Value))
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Warning is a non-fatal finding, such as rows left out for a missing
// target or a category unseen in training. Libraries return warnings and
// the command logs them.
type Warning struct {
	// File is the file the finding is about; "" for findings about options.
	File string
	// Line is the 1-based line (CSV) or row (Parquet), or 0.
	Line int
	// Column is the column name, or "".
	Column string
	// Value is the cell's text, or "".
	Value string
	// Message describes the finding.
	Message string
}

// String formats the warning on one line, with its position first.
func (w Warning) String() string {
	where := position(w.File, w.Line, w.Column, w.Value)
	if where == "" {
		return w.Message
	}
	return where + ": " + w.Message
}

// position formats "file, line N, column "c", value "v"", leaving out the
// parts that are unset. Parquet files have rows, not lines.
func position(file string, line int, column, value string) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if line > 0 {
		unit := "line"
		if isParquet(file) {
			unit = "row"
		}
		parts = append(parts, fmt.Sprintf("%s %d", unit, line))
	}
	if column != "" {
		parts = append(parts, fmt.Sprintf("column %q", column))
	}
	if value != "" {
		parts = append(parts, fmt.Sprintf("value %q", value))
	}
	return strings.Join(parts, ", ")
}

func isParquet(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".parquet")
}

// optionError reports a bad option value; it wraps ErrInvalidOption.
func optionError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
}

// encodingHint is the fix for a file that is not UTF-8.
const encodingHint = "save the file as UTF-8 (\"CSV UTF-8\" in spreadsheets), or convert it, for example with iconv -f latin1 -t utf-8"
