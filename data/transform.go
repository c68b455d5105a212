package data

import (
	"context"
	"fmt"
	"io"
	"math"
)

// Frame is a table encoded for a model.
type Frame struct {
	// X holds one row per table row and one column per feature, in the
	// order of Preprocessor.Features.
	X Matrix
	// Y is the target in its own units, NaN where a cell is missing; nil
	// when the table has no target column.
	Y []float64
	// YModel is TargetToModel(Y) as float32; nil when Y is nil.
	YModel []float32
	// IDs holds the id columns the table has, as text.
	IDs []IDColumn
	// Lines holds the 1-based physical line of each row in its file (the
	// row number for Parquet).
	Lines []int
	// Lat and Lon are the raw coordinates when the preprocessor names
	// coordinate columns and the table has them, else nil.
	Lat, Lon []float64
}

// IDColumn is one id column's values, one per row.
type IDColumn struct {
	Name   string
	Values []string
}

// maxCellWarnings caps the warnings Transform returns about single cells of
// one column; one more warning counts the rest.
const maxCellWarnings = 10

// ReadFile reads a file to transform, like the package's ReadFile. The
// difference is that the model's categorical and id columns are read as
// text whatever they contain. So id codes keep their exact form, and
// categories that look like numbers match the training ones.
//
// Only the columns the model uses are read, the target included, unless
// opts.Columns lists others (see NeededColumns). A bad value in any other
// column is not an error.
func (p *Preprocessor) ReadFile(ctx context.Context, path string, opts ReadOptions) (*Table, error) {
	if opts.Columns == nil {
		opts.Columns = p.NeededColumns(true)
	}
	return readFileExtra(ctx, path, opts, p.textColumns())
}

// NeededColumns lists the columns a file to transform must or may have:
// the model's inputs and id columns, and the target when withTarget is
// set. Set ReadOptions.Columns to it to read nothing else.
func (p *Preprocessor) NeededColumns(withTarget bool) []string {
	cols := p.InputColumns()
	cols = append(cols, p.IDs...)
	if withTarget {
		cols = append(cols, p.TargetName)
	}
	return cols
}

// ReadCSV reads CSV text from r to transform, as ReadFile does for a file.
// The name is used in messages.
func (p *Preprocessor) ReadCSV(ctx context.Context, name string, r io.Reader, opts ReadOptions) (*Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Columns == nil {
		opts.Columns = p.NeededColumns(true)
	}
	return readCSV(ctx, name, r, 0, opts, p.textColumns())
}

// textColumns lists the columns a file to transform must read as text.
func (p *Preprocessor) textColumns() readExtra {
	extra := readExtra{names: map[string]bool{}}
	for _, in := range p.Inputs {
		if in.Kind == Categorical {
			extra.names[in.Name] = true
		}
	}
	for _, id := range p.IDs {
		extra.names[id] = true
	}
	return extra
}

// DropMissingTarget leaves out the rows whose target cell is missing, with
// a warning that counts them and lists the first lines. Load does this for
// its files; call it before scoring any other labelled file.
func DropMissingTarget(t *Table, target string) (*Table, []Warning, error) {
	var warnings []Warning
	out, err := usableRows(t, target, &warnings)
	return out, warnings, err
}

// Transform encodes a table with the fitted state. Columns are matched by
// name in any order and extra columns are ignored; a missing input column
// is an error naming it. An unseen category becomes all zeros plus a
// warning naming file, line, column and value. A table without the target
// column gives nil Y.
func (p *Preprocessor) Transform(t *Table) (*Frame, []Warning, error) {
	var absent []string
	for _, in := range p.Inputs {
		if !t.Has(in.Name) {
			absent = append(absent, in.Name)
		}
	}
	if len(absent) > 0 {
		return nil, nil, &ParseError{
			File: t.Name(), Line: 1, Column: absent[0], Err: ErrMissingColumn,
			Detail: fmt.Sprintf("the model was trained with %d input columns and the file lacks %s", len(p.Inputs), listNames(absent, 12)),
			Hint:   "add the columns: their order does not matter, and extra columns are ignored",
		}
	}

	n := t.Len()
	f := &Frame{X: NewMatrix(n, len(p.FeatureNames)), Lines: t.Lines()}
	var warnings []Warning
	offset := 0
	for _, in := range p.Inputs {
		c := t.column(in.Name)
		var w []Warning
		var err error
		if in.Kind == Numeric {
			w, err = p.encodeNumeric(t, c, in, f.X, offset)
		} else {
			w = encodeCategorical(t, c, in, f.X, offset)
		}
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
		offset += in.width()
	}

	if t.Has(p.TargetName) {
		if t.Kind(p.TargetName) != Numeric {
			return nil, nil, &ParseError{File: t.Name(), Line: 1, Column: p.TargetName, Err: ErrTargetNotNumeric, Hint: "the target column must hold numbers, or be left out of a file to predict"}
		}
		f.Y, _ = t.Numbers(p.TargetName)
		f.YModel = make([]float32, n)
		missing := 0
		for i, y := range f.Y {
			f.YModel[i] = float32(p.TargetToModel(y))
			if math.IsNaN(y) {
				missing++
			}
		}
		if missing > 0 {
			warnings = append(warnings, Warning{
				File: t.Name(), Column: p.TargetName,
				Message: fmt.Sprintf("%d rows have no target value: their Y is NaN, so leave them out of any metric (DropMissingTarget does)", missing),
			})
		}
	}

	for _, id := range p.IDs {
		if !t.Has(id) {
			warnings = append(warnings, Warning{File: t.Name(), Column: id, Message: "id column not in the file: predictions will not carry it"})
			continue
		}
		if t.Kind(id) == Numeric {
			warnings = append(warnings, Warning{File: t.Name(), Column: id, Message: "id column was read as numbers, so long or zero-padded codes may have lost digits; read the file with Preprocessor.ReadFile to keep its text"})
		}
		values, _ := t.Strings(id)
		f.IDs = append(f.IDs, IDColumn{Name: id, Values: values})
	}
	if p.Lat != "" && p.Lon != "" && t.Kind(p.Lat) == Numeric && t.Kind(p.Lon) == Numeric {
		f.Lat, _ = t.Numbers(p.Lat)
		f.Lon, _ = t.Numbers(p.Lon)
	}
	return f, warnings, nil
}

// encodeNumeric writes a numeric input's features into columns offset,
// offset+1, ... of x.
func (p *Preprocessor) encodeNumeric(t *Table, c *column, in Input, x Matrix, offset int) ([]Warning, error) {
	if c.kind != Numeric {
		for i := range t.Len() {
			if r := t.stored(i); !c.missingAt(r) {
				return nil, &ParseError{
					File: t.Name(), Line: t.Line(i), Column: in.Name, Value: c.text(r), Err: ErrNonNumeric,
					Detail: "the column held numbers in training, and here it holds text",
					Hint:   "fix the cells, or leave them empty to mark them missing",
				}
			}
		}
	}
	valueCol, indicatorCol := offset, offset
	if !in.Constant {
		indicatorCol++
	}
	missing, firstMissing := 0, 0
	for i := range t.Len() {
		row := x.Row(i)
		v := float64(float32(math.NaN()))
		if c.kind == Numeric {
			v = float64(c.values[t.stored(i)])
		}
		if math.IsNaN(v) {
			if missing == 0 {
				firstMissing = t.Line(i)
			}
			missing++
			v = in.Median
			if in.Indicator {
				row[indicatorCol] = 1
			}
		}
		if in.Constant {
			continue
		}
		switch p.Scale {
		case ScaleStandard:
			v = (v - in.Mean) / in.Std
		case ScaleQuantile:
			v = quantileToNormal(in.Quantiles, v)
		}
		row[valueCol] = float32(v)
	}
	if missing > 0 && !in.Indicator {
		return []Warning{{
			File: t.Name(), Line: firstMissing, Column: in.Name,
			Message: fmt.Sprintf("%d missing cells, in a column that had none in training: they get the training median %v", missing, widen(float32(in.Median))),
		}}, nil
	}
	return nil, nil
}

// encodeCategorical writes a categorical input's one-hot block and
// indicator into columns offset, offset+1, ... of x. A numeric table
// column is matched through the numbers' shortest decimal text.
func encodeCategorical(t *Table, c *column, in Input, x Matrix, offset int) []Warning {
	levelIndex := make(map[string]int, len(in.Levels))
	for i, l := range in.Levels {
		levelIndex[l] = i
	}
	// codeIndex maps the table's category codes to features once.
	var codeIndex []int
	if c.kind == Categorical {
		codeIndex = make([]int, len(c.levels))
		for code, l := range c.levels {
			if j, ok := levelIndex[l]; ok {
				codeIndex[code] = j
			} else {
				codeIndex[code] = -1
			}
		}
	}
	indicatorCol := offset + len(in.Levels)

	var warnings []Warning
	unseen, missing, firstMissing := 0, 0, 0
	for i := range t.Len() {
		r := t.stored(i)
		row := x.Row(i)
		if c.missingAt(r) {
			if missing == 0 {
				firstMissing = t.Line(i)
			}
			missing++
			if in.Indicator {
				row[indicatorCol] = 1
			}
			continue
		}
		j := -1
		if c.kind == Categorical {
			j = codeIndex[c.codes[r]]
		} else if k, ok := levelIndex[c.text(r)]; ok {
			j = k
		}
		if j >= 0 {
			row[offset+j] = 1
			continue
		}
		unseen++
		if unseen <= maxCellWarnings {
			warnings = append(warnings, Warning{
				File: t.Name(), Line: t.Line(i), Column: in.Name, Value: c.text(r),
				Message: fmt.Sprintf("category not seen in training, which had %s: encoded as no category, all zeros", listNames(in.Levels, 8)),
			})
		}
	}
	if unseen > maxCellWarnings {
		warnings = append(warnings, Warning{
			File: t.Name(), Column: in.Name,
			Message: fmt.Sprintf("%d more cells hold categories not seen in training, also encoded as all zeros", unseen-maxCellWarnings),
		})
	}
	if missing > 0 && !in.Indicator {
		warnings = append(warnings, Warning{
			File: t.Name(), Line: firstMissing, Column: in.Name,
			Message: fmt.Sprintf("%d missing cells, in a column that had none in training: encoded as no category, all zeros", missing),
		})
	}
	return warnings
}
