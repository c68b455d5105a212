package data

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// LoadOptions names the input files and how to read, select and split
// them.
type LoadOptions struct {
	// Train is the training file, required. Valid and Test are optional
	// files for the validation and test rows; a part without its own file
	// is split off Train as Split sets.
	Train, Valid, Test string
	Read               ReadOptions
	Select             Selection
	Split              SplitOptions
}

// Splits is the loaded data: three views of the parsed rows and what was
// found on the way. Nothing is fitted yet.
type Splits struct {
	Train, Valid, Test *Table
	// Warnings lists non-fatal findings for the caller to report.
	Warnings []Warning
	// Fingerprint is the hex SHA-256 of the training rows' parsed values
	// and the column names and kinds, so it is the same for a file with
	// CRLF or LF line endings.
	Fingerprint string
	// Method names the source of the validation and test rows: "files",
	// SplitRandom or SplitSpatial, or "<method> + files" when only one
	// part has its own file.
	Method string
	// Blocks counts the spatial grid cells in the train, validation and
	// test parts of a spatial split.
	Blocks [3]int
	// Lat and Lon name the coordinate columns a spatial split used.
	Lat, Lon string
	// Features, IDs and Dropped are the columns the selection resolved to
	// on the training file, in file order.
	Features, IDs, Dropped []string
}

// Load reads the file(s), leaves out rows with a missing target (reported
// as a Warning with the count and first lines), checks the minimum row
// counts, and splits. Columns matched by Select.IDs are read as text, so
// id codes keep their exact form.
func Load(ctx context.Context, opts LoadOptions) (*Splits, error) {
	split := opts.Split.withDefaults()
	if err := split.validate(); err != nil {
		return nil, err
	}
	if opts.Train == "" {
		return nil, optionError("no training file: set --data to a CSV or Parquet file")
	}
	if err := opts.Read.validate(); err != nil {
		return nil, err
	}

	// Read the training file, with the id columns as text.
	full, err := readFileExtra(ctx, opts.Train, opts.Read, readExtra{patterns: opts.Select.IDs})
	if err != nil {
		return nil, err
	}
	sel, err := opts.Select.resolve(full)
	if err != nil {
		return nil, err
	}
	out := &Splits{Features: sel.features, IDs: sel.ids, Dropped: sel.dropped}
	if full, err = usableRows(full, sel.target, &out.Warnings); err != nil {
		return nil, err
	}

	// Read the validation and test files with the training file's
	// categorical columns, so a category that looks like a number there
	// is read the same way. That list covers Read.Categorical, whose
	// patterns need not match the held-out files again.
	heldOutRead := opts.Read
	heldOutRead.Categorical = nil
	categorical := readExtra{names: map[string]bool{}, patterns: opts.Select.IDs}
	for _, c := range full.columns {
		if c.kind == Categorical {
			categorical.names[c.name] = true
		}
	}
	for _, part := range []struct {
		path string
		dst  **Table
	}{{opts.Valid, &out.Valid}, {opts.Test, &out.Test}} {
		if part.path == "" {
			continue
		}
		t, err := readFileExtra(ctx, part.path, heldOutRead, categorical)
		if err != nil {
			return nil, err
		}
		if !t.Has(sel.target) {
			return nil, &ParseError{File: part.path, Line: 1, Column: sel.target, Err: ErrMissingColumn, Detail: "the training file's target", Hint: "the header has " + listNames(t.Columns(), 12)}
		}
		if t, err = usableRows(t, sel.target, &out.Warnings); err != nil {
			return nil, err
		}
		if t.Len() < minHeldOutRows {
			return nil, &ParseError{File: part.path, Err: ErrTooFewRows, Detail: fmt.Sprintf("%d usable rows, but a held-out part needs at least %d for R² to be defined", t.Len(), minHeldOutRows)}
		}
		*part.dst = t
	}

	// Split off the parts that have no file.
	validShare, testShare := split.ValidFraction, split.TestFraction
	if opts.Valid != "" {
		validShare = 0
	}
	if opts.Test != "" {
		testShare = 0
	}
	if validShare == 0 && testShare == 0 {
		out.Train, out.Method = full, "files"
		if full.Len() < minTrainRows {
			return nil, &ParseError{File: opts.Train, Err: ErrTooFewRows, Detail: fmt.Sprintf("%d usable rows, but training needs at least %d", full.Len(), minTrainRows)}
		}
	} else if err := splitTrain(full, split, validShare, testShare, out); err != nil {
		return nil, err
	}

	if err := checkTarget(out, sel.target); err != nil {
		return nil, err
	}
	warnIDLike(out.Train, sel.features, &out.Warnings)
	fp, err := fingerprint(out.Train)
	if err != nil {
		return nil, err
	}
	out.Fingerprint = fp
	return out, nil
}

// splitTrain splits the training table's rows into the parts that have no
// file of their own.
func splitTrain(full *Table, split SplitOptions, validShare, testShare float64, out *Splits) error {
	n := full.Len()
	if n < minRowsFor(validShare, testShare) {
		return tooFewRowsError(full.Name(), n, validShare, testShare)
	}
	var train, valid, test []int
	switch split.Method {
	case SplitRandom:
		train, valid, test = splitRandom(n, validShare, testShare, split.Seed)
	case SplitSpatial:
		lat, lon, err := coordinates(full, split.Lat, split.Lon)
		if err != nil {
			return err
		}
		out.Lat, out.Lon = split.Lat, split.Lon
		if out.Lat == "" || out.Lon == "" {
			out.Lat, out.Lon = DetectCoordinates(full.Columns())
		}
		res := splitSpatial(lat, lon, split.BlockKm, validShare, testShare, split.Seed)
		train, valid, test, out.Blocks = res.train, res.valid, res.test, res.blocks
		for _, part := range []struct {
			name  string
			share float64
			rows  []int
			need  int
		}{{"training", 1, train, minTrainRows}, {"validation", validShare, valid, minHeldOutRows}, {"test", testShare, test, minHeldOutRows}} {
			if part.share > 0 && len(part.rows) < part.need {
				return &ParseError{
					File: full.Name(), Err: ErrTooFewBlocks,
					Detail: fmt.Sprintf("%d rows fall in %d grid cells of %g km, and whole cells leave the %s part with %d rows, fewer than %d",
						n, out.Blocks[0]+out.Blocks[1]+out.Blocks[2], split.BlockKm, part.name, len(part.rows), part.need),
					Hint: "use a smaller --block-km, or give separate --valid and --test files",
				}
			}
		}
	}
	out.Method = split.Method
	if validShare == 0 || testShare == 0 {
		out.Method += " + files"
	}
	out.Train = full.Subset(train)
	if validShare > 0 {
		out.Valid = full.Subset(valid)
	}
	if testShare > 0 {
		out.Test = full.Subset(test)
	}
	return nil
}

// usableRows checks that the target is numeric and leaves out the rows
// where it is missing, with a warning that counts them and lists the first
// lines. The target is never imputed.
func usableRows(t *Table, target string, warnings *[]Warning) (*Table, error) {
	c, err := t.mustColumn(target)
	if err != nil {
		return nil, err
	}
	if c.kind != Numeric {
		e := &ParseError{File: t.Name(), Line: 1, Column: target, Err: ErrTargetNotNumeric, Hint: "hrmg fits regression models: choose a numeric --target"}
		for i := range t.Len() {
			if r := t.stored(i); !c.missingAt(r) {
				e.Line, e.Value = t.Line(i), c.text(r)
				break
			}
		}
		return nil, e
	}

	var keep, dropped []int
	for i := range t.Len() {
		if c.missingAt(t.stored(i)) {
			dropped = append(dropped, i)
		} else {
			keep = append(keep, i)
		}
	}
	if len(dropped) == 0 {
		return t, nil
	}

	const listed = 10
	var lines []string
	for _, i := range dropped[:min(len(dropped), listed)] {
		lines = append(lines, fmt.Sprint(t.Line(i)))
	}
	list := strings.Join(lines, ", ")
	if len(dropped) > listed {
		list += ", ..."
	}
	unit := "lines"
	if isParquet(t.Name()) {
		unit = "rows"
	}
	*warnings = append(*warnings, Warning{
		File: t.Name(), Line: t.Line(dropped[0]), Column: target,
		Message: fmt.Sprintf("%d of %d rows have no target value and are left out (%s %s); the target is never imputed",
			len(dropped), t.Len(), unit, list),
	})

	if len(keep) == 0 {
		return nil, &ParseError{File: t.Name(), Column: target, Err: ErrNoRows, Detail: "every row's target is missing", Hint: "check --target and the missing-value markers (--missing)"}
	}
	return t.Subset(keep), nil
}

// checkTarget rejects a constant training target and warns about a
// held-out part whose target is constant, where R² is undefined.
func checkTarget(s *Splits, target string) error {
	y, err := s.Train.Numbers(target)
	if err != nil {
		return err
	}
	if constant(y) {
		return &ParseError{
			File: s.Train.Name(), Column: target, Err: ErrConstantTarget,
			Detail: fmt.Sprintf("every one of the %d training rows has the value %v", len(y), y[0]),
			Hint:   "choose a --target that varies",
		}
	}
	for _, part := range []struct {
		name string
		t    *Table
	}{{"validation", s.Valid}, {"test", s.Test}} {
		if part.t == nil {
			continue
		}
		y, _ := part.t.Numbers(target)
		if constant(y) {
			s.Warnings = append(s.Warnings, Warning{
				File: part.t.Name(), Column: target,
				Message: fmt.Sprintf("the %s rows all have the target value %v, so R² is undefined on them", part.name, y[0]),
			})
		}
	}
	return nil
}

func constant(y []float64) bool {
	for _, v := range y[1:] {
		if v != y[0] {
			return false
		}
	}
	return true
}

// warnIDLike warns about selected features that look like identifiers.
func warnIDLike(t *Table, features []string, warnings *[]Warning) {
	for _, f := range features {
		if t.Kind(f) != Categorical {
			continue
		}
		s, err := t.Summary(f)
		if err != nil || !s.IDLike {
			continue
		}
		*warnings = append(*warnings, Warning{File: t.Name(), Column: f, Message: idLikeMessage(s)})
	}
}

func idLikeMessage(s ColumnSummary) string {
	return fmt.Sprintf("text column with %d distinct values in %d rows looks like an identifier; pass --id %s to carry it into predictions, or --drop %s",
		s.Distinct, s.Count, s.Name, s.Name)
}

// fingerprint hashes the column names and kinds, then every row's values:
// a number as its float32 bits (one NaN pattern for missing), a category
// as its length and bytes (length 2^32-1 for missing).
func fingerprint(t *Table) (string, error) {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 64<<10)
	var buf [4]byte
	putUint32 := func(v uint32) {
		binary.LittleEndian.PutUint32(buf[:], v)
		w.Write(buf[:])
	}
	for _, c := range t.columns {
		putUint32(uint32(len(c.name)))
		w.WriteString(c.name)
		w.WriteByte(byte(c.kind))
	}
	nan := math.Float32bits(float32(math.NaN()))
	for i := range t.Len() {
		r := t.stored(i)
		for _, c := range t.columns {
			if c.kind == Numeric {
				v := c.values[r]
				if v != v {
					putUint32(nan)
				} else {
					putUint32(math.Float32bits(v))
				}
				continue
			}
			code := c.codes[r]
			if code < 0 {
				putUint32(math.MaxUint32)
				continue
			}
			putUint32(uint32(len(c.levels[code])))
			w.WriteString(c.levels[code])
		}
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
