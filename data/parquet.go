package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// readParquet reads a Parquet file with flat columns. Boolean, integer and
// floating-point columns are numeric, and a NaN float is a missing cell
// because pandas writes missing floats that way. Byte-array columns follow
// the rules for CSV cells, so a string column of numbers is numeric. Null
// is missing. Nested, repeated, INT96 and fixed-length byte-array columns
// are rejected. Messages give 1-based row numbers where CSV gives lines.
func readParquet(ctx context.Context, path string, opts ReadOptions, extra readExtra) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() == 0 {
		return nil, &ParseError{File: path, Err: ErrEmptyFile, Hint: "give a Parquet file with at least one column and one row"}
	}
	pf, err := parquet.OpenFile(f, info.Size())
	if err != nil {
		return nil, &ParseError{File: path, Err: ErrUnsupported, Detail: "not a readable Parquet file: " + err.Error(), Hint: "check that the file is complete, or give a CSV file"}
	}

	cols := pf.Root().Columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	if len(cols) == 0 {
		return nil, &ParseError{File: path, Err: ErrEmptyFile, Hint: "give a Parquet file with at least one column and one row"}
	}
	if err := checkHeader(path, 0, names); err != nil {
		return nil, err
	}
	isForced, err := forcedColumns(names, opts.Categorical, extra)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rows := pf.NumRows()
	if rows == 0 {
		return nil, &ParseError{File: path, Err: ErrNoRows, Hint: "give a file with data rows"}
	}
	if rows > math.MaxInt32 {
		return nil, &ParseError{File: path, Err: ErrUnsupported, Detail: fmt.Sprintf("%d rows is more than hrmg reads", rows)}
	}

	missing := opts.Missing
	if missing == nil {
		missing = DefaultMissing()
	}
	parser := newCellParser(missing, opts.Decimal)
	state := &readState{file: path}
	builders := make([]*columnBuilder, len(cols))
	for i, c := range cols {
		if !opts.reads(names[i]) {
			continue
		}
		b := newColumnBuilder(names[i], isForced[i])
		if err := readParquetColumn(ctx, path, c, b, int(rows), parser, state); err != nil {
			return nil, err
		}
		builders[i] = b
	}
	lines := make([]int32, rows)
	for i := range lines {
		lines[i] = int32(i + 1)
	}
	return assemble(path, builders, lines, state)
}

// parquetKind is the reading method for a Parquet leaf column's values.
type parquetKind int

const (
	parquetBool parquetKind = iota
	parquetInt
	parquetFloat
	parquetBytes
)

func parquetColumnKind(path string, c *parquet.Column) (kind parquetKind, scale int, err error) {
	unsupported := func(detail string) error {
		return &ParseError{File: path, Column: c.Name(), Err: ErrUnsupported, Detail: detail, Hint: "convert the column to a flat number or string column"}
	}
	if !c.Leaf() {
		return 0, 0, unsupported("nested group column")
	}
	if c.Repeated() {
		return 0, 0, unsupported("repeated (list) column")
	}
	typ := c.Type()
	if lt := typ.LogicalType(); lt != nil {
		if d, ok := lt.Value.(*format.DecimalType); ok {
			scale = int(d.Scale)
		}
	}
	switch typ.Kind() {
	case parquet.Boolean:
		return parquetBool, 0, nil
	case parquet.Int32, parquet.Int64:
		return parquetInt, scale, nil
	case parquet.Float, parquet.Double:
		return parquetFloat, 0, nil
	case parquet.ByteArray:
		if scale != 0 {
			return 0, 0, unsupported("byte-array decimal column")
		}
		return parquetBytes, 0, nil
	default:
		return 0, 0, unsupported(fmt.Sprintf("%v column", typ.Kind()))
	}
}

func readParquetColumn(ctx context.Context, path string, c *parquet.Column, b *columnBuilder, rows int, parser *cellParser, state *readState) error {
	kind, scale, err := parquetColumnKind(path, c)
	if err != nil {
		return err
	}
	b.reserve(rows)
	pages := c.Pages()
	defer pages.Close()
	values := make([]parquet.Value, 4096)
	var text []byte
	row := 0
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &ParseError{File: path, Column: c.Name(), Err: ErrUnsupported, Detail: "cannot read page: " + err.Error(), Hint: "check that the file is complete"}
		}
		reader := page.Values()
		for {
			n, err := reader.ReadValues(values)
			for _, v := range values[:n] {
				row++
				if row > rows {
					parquet.Release(page)
					return &ParseError{File: path, Column: c.Name(), Err: ErrUnsupported, Detail: fmt.Sprintf("the column has more values than the file's %d rows", rows)}
				}
				text = addParquetValue(b, kind, scale, v, row, parser, state, text)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(page)
				return &ParseError{File: path, Column: c.Name(), Err: ErrUnsupported, Detail: "cannot read values: " + err.Error(), Hint: "check that the file is complete"}
			}
		}
		parquet.Release(page)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if row != rows {
		return &ParseError{File: path, Column: c.Name(), Err: ErrUnsupported, Detail: fmt.Sprintf("the column has %d values for the file's %d rows", row, rows)}
	}
	return nil
}

// addParquetValue appends one value to a builder and returns the scratch
// buffer for the next call. Numbers are passed as text too, so that a
// categorical (id) column keeps integers exactly as written.
func addParquetValue(b *columnBuilder, kind parquetKind, scale int, v parquet.Value, row int, parser *cellParser, state *readState, text []byte) []byte {
	if v.IsNull() {
		b.addMissing(row, state)
		return text
	}
	var f float64
	switch kind {
	case parquetBytes:
		raw := v.ByteArray()
		class, x := parser.classify(raw)
		b.addClassified(class, x, trimSpace(raw), row, state)
		return text
	case parquetBool:
		f = 0
		if v.Boolean() {
			f = 1
		}
		text = strconv.AppendFloat(text[:0], f, 'g', -1, 64)
	case parquetInt:
		i := v.Int64()
		if v.Kind() == parquet.Int32 {
			i = int64(v.Int32())
		}
		if scale > 0 {
			f = float64(i) / math.Pow10(scale)
			text = strconv.AppendFloat(text[:0], f, 'f', scale, 64)
		} else {
			f = float64(i)
			text = strconv.AppendInt(text[:0], i, 10)
		}
	case parquetFloat:
		f = v.Double()
		if v.Kind() == parquet.Float {
			f = float64(v.Float())
		}
		text = strconv.AppendFloat(text[:0], f, 'g', -1, 64)
	}
	switch {
	case math.IsNaN(f):
		b.addMissing(row, state)
	case math.IsInf(f, 0) || math.Abs(f) > math.MaxFloat32:
		b.addClassified(cellNonFinite, float32(f), text, row, state)
	default:
		b.addClassified(cellNumber, float32(f), text, row, state)
	}
	return text
}
