package data

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/hrmg/hrmg/metrics"
)

// Scaling names a scaling of numeric features.
type Scaling string

// The scalings. Tree models need none; the neural model takes standard or
// quantile.
const (
	// ScaleNone leaves numeric values as they are, after imputation.
	ScaleNone Scaling = "none"
	// ScaleStandard subtracts the training mean and divides by the
	// training standard deviation (sample, n-1).
	ScaleStandard Scaling = "standard"
	// ScaleQuantile maps each value through the training rows' empirical
	// distribution to a standard normal score.
	ScaleQuantile Scaling = "quantile"
)

// PrepOptions sets how FitPreprocessor encodes the data.
type PrepOptions struct {
	// Scale is the numeric scaling; empty means ScaleNone.
	Scale Scaling
	// TargetLog1p models log(1 + y) instead of y; every training target
	// must be greater than -1.
	TargetLog1p bool
	// TargetStandardize models the (log1p'd) target minus its training
	// mean, divided by its training standard deviation.
	TargetStandardize bool
	// Lat and Lon name coordinate columns copied into Frame.Lat and
	// Frame.Lon (they stay features unless dropped). Empty detects them by
	// name as DetectCoordinates does.
	Lat, Lon string
}

// prepVersion is the layout version of a marshalled Preprocessor.
const prepVersion = 1

// Preprocessor is the encoding fitted on the training rows: it turns any
// table with the same columns into a model-input Frame. It marshals to
// JSON for the model file through its exported fields, and json.Unmarshal
// checks the decoded value with Validate.
type Preprocessor struct {
	Version           int      `json:"version"`
	TargetName        string   `json:"target"`
	IDs               []string `json:"ids,omitempty"`
	Inputs            []Input  `json:"inputs"`
	Scale             Scaling  `json:"scale"`
	TargetLog1p       bool     `json:"target_log1p"`
	TargetStandardize bool     `json:"target_standardize"`
	// TargetMean and TargetStd standardise the (log1p'd) target; 0 and 1
	// when TargetStandardize is off.
	TargetMean float64 `json:"target_mean"`
	TargetStd  float64 `json:"target_std"`
	// Lat and Lon name the coordinate columns for Frame.Lat and Frame.Lon,
	// or are empty.
	Lat string `json:"lat,omitempty"`
	Lon string `json:"lon,omitempty"`
	// FeatureNames holds the encoded feature names, in model-input order.
	FeatureNames []string `json:"features"`
}

// Input is one raw column and how it is encoded. Its features, in order,
// are: the value (numeric, unless Constant), one 0/1 feature per level
// (categorical), then a missing indicator when Indicator is set.
type Input struct {
	Name string     `json:"name"`
	Kind ColumnKind `json:"kind"`
	// Indicator adds a feature that is 1 where the cell is missing. It is
	// set for columns with gaps in the training rows.
	Indicator bool `json:"indicator,omitempty"`

	// Median imputes a missing numeric cell.
	Median float64 `json:"median"`
	// Constant marks a numeric column whose present training values are
	// all equal: its value feature is dropped and only the indicator kept.
	Constant bool `json:"constant,omitempty"`
	// Mean and Std are the training statistics of ScaleStandard.
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"`
	// Quantiles are the reference values of ScaleQuantile at evenly
	// spaced probabilities from 0 to 1.
	Quantiles []float64 `json:"quantiles,omitempty"`

	// Levels lists a categorical column's training categories, sorted.
	Levels []string `json:"levels,omitempty"`
}

// width returns the number of features the input encodes to.
func (in Input) width() int {
	n := 0
	switch in.Kind {
	case Numeric:
		if !in.Constant {
			n++
		}
	case Categorical:
		n += len(in.Levels)
	}
	if in.Indicator {
		n++
	}
	return n
}

// FitPreprocessor fits the encoding on the training rows only: median
// imputation plus a missing indicator for numeric columns with gaps,
// one-hot encoding for categorical columns, the numeric scaling and the
// target transform. Columns with no values, or with one constant value
// and no gaps, are dropped with a warning. An id-like text column among the
// features is an error.
func FitPreprocessor(train *Table, sel Selection, opts PrepOptions) (*Preprocessor, []Warning, error) {
	if opts.Scale == "" {
		opts.Scale = ScaleNone
	}
	switch opts.Scale {
	case ScaleNone, ScaleStandard, ScaleQuantile:
	default:
		return nil, nil, optionError("scaling %q: use %q, %q or %q", opts.Scale, ScaleNone, ScaleStandard, ScaleQuantile)
	}
	res, err := sel.resolve(train)
	if err != nil {
		return nil, nil, err
	}
	p := &Preprocessor{
		Version: prepVersion, TargetName: res.target, IDs: res.ids, Scale: opts.Scale,
		TargetLog1p: opts.TargetLog1p, TargetStandardize: opts.TargetStandardize,
		TargetMean: 0, TargetStd: 1,
	}
	var warnings []Warning
	if err := p.fitTarget(train); err != nil {
		return nil, nil, err
	}
	for _, name := range res.features {
		in, w, err := fitInput(train, name, opts.Scale)
		if err != nil {
			return nil, nil, err
		}
		if w != "" {
			warnings = append(warnings, Warning{File: train.Name(), Column: name, Message: w})
		}
		if in.width() > 0 {
			p.Inputs = append(p.Inputs, in)
		}
	}
	if len(p.Inputs) == 0 {
		return nil, nil, fmt.Errorf("%s: %w: every selected feature column is empty or constant in the training rows", train.Name(), ErrNoFeatures)
	}
	p.FeatureNames = featureNames(p.Inputs, train.Columns())

	p.Lat, p.Lon = opts.Lat, opts.Lon
	if p.Lat == "" || p.Lon == "" {
		lat, lon := DetectCoordinates(train.Columns())
		if p.Lat == "" {
			p.Lat = lat
		}
		if p.Lon == "" {
			p.Lon = lon
		}
	}
	for _, c := range []*string{&p.Lat, &p.Lon} {
		if train.Kind(*c) != Numeric {
			*c = ""
		}
	}
	return p, warnings, nil
}

// fitTarget fits the target transform on the training rows that have a
// target.
func (p *Preprocessor) fitTarget(train *Table) error {
	c, err := train.mustColumn(p.TargetName)
	if err != nil {
		return err
	}
	if c.kind != Numeric {
		return &ParseError{File: train.Name(), Line: 1, Column: p.TargetName, Err: ErrTargetNotNumeric, Hint: "hrmg fits regression models: choose a numeric --target"}
	}

	y, _ := train.Numbers(p.TargetName)
	var z []float64
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		if p.TargetLog1p {
			if v <= -1 {
				return &ParseError{
					File: train.Name(), Line: train.Line(i), Column: p.TargetName, Value: strconv.FormatFloat(v, 'g', -1, 64),
					Err: ErrTargetRange, Detail: "log1p needs every target value above -1", Hint: "turn off the log1p target transform",
				}
			}
			v = math.Log1p(v)
		}
		z = append(z, v)
	}
	if len(z) == 0 {
		return &ParseError{File: train.Name(), Column: p.TargetName, Err: ErrNoRows, Detail: "no training row has a target value"}
	}

	if !p.TargetStandardize {
		return nil
	}
	mean, std := metrics.MeanStd(z)
	if !(std > 0) {
		return &ParseError{
			File: train.Name(), Column: p.TargetName, Err: ErrConstantTarget,
			Detail: fmt.Sprintf("every one of the %d training targets is %v", len(z), y[0]), Hint: "choose a --target that varies",
		}
	}
	p.TargetMean, p.TargetStd = mean, std
	return nil
}

// fitInput fits one feature column. A non-empty message is a warning; an
// input of width 0 is dropped.
func fitInput(train *Table, name string, scale Scaling) (Input, string, error) {
	c, err := train.mustColumn(name)
	if err != nil {
		return Input{}, "", err
	}
	n := train.Len()
	if c.kind == Categorical {
		return fitCategorical(train, c)
	}

	present := make([]float64, 0, n)
	for i := range n {
		if v := c.values[train.stored(i)]; v == v {
			present = append(present, float64(v))
		}
	}
	missing := n - len(present)
	if len(present) == 0 {
		return Input{}, "no value in any training row: dropped", nil
	}
	slices.Sort(present)
	in := Input{Name: name, Kind: Numeric, Indicator: missing > 0, Median: median(present)}
	if present[0] == present[len(present)-1] {
		if missing == 0 {
			return Input{}, fmt.Sprintf("constant (%v in every training row): dropped", widen(float32(present[0]))), nil
		}
		in.Constant = true
		return in, fmt.Sprintf("constant (%v in every training row that has a value): only its missing indicator is kept", widen(float32(present[0]))), nil
	}

	// Scaling statistics describe the imputed values the model receives.
	imputed := present
	for range missing {
		imputed = append(imputed, in.Median)
	}
	switch scale {
	case ScaleStandard:
		in.Mean, in.Std = metrics.MeanStd(imputed)
	case ScaleQuantile:
		slices.Sort(imputed)
		in.Quantiles = fitQuantiles(imputed)
	}
	return in, "", nil
}

func fitCategorical(train *Table, c *column) (Input, string, error) {
	counts := make([]int, len(c.levels))
	missing := 0
	for i := range train.Len() {
		if code := c.codes[train.stored(i)]; code >= 0 {
			counts[code]++
		} else {
			missing++
		}
	}
	in := Input{Name: c.name, Kind: Categorical, Indicator: missing > 0}
	for code, k := range counts {
		if k > 0 {
			in.Levels = append(in.Levels, c.levels[code])
		}
	}
	slices.Sort(in.Levels)
	present := train.Len() - missing
	switch {
	case len(in.Levels) == 0:
		return Input{}, "no value in any training row: dropped", nil
	case len(in.Levels) == 1 && missing == 0:
		return Input{}, fmt.Sprintf("constant (%q in every training row): dropped", in.Levels[0]), nil
	case len(in.Levels) >= idLikeMinDistinct && float64(len(in.Levels)) >= idLikeShare*float64(present):
		s := ColumnSummary{Name: c.name, Distinct: len(in.Levels), Count: present}
		return Input{}, "", &ParseError{
			File: train.Name(), Line: 1, Column: c.name, Err: ErrIDLikeColumn,
			Detail: fmt.Sprintf("%d distinct values in %d rows: one-hot encoding would add a feature per row", s.Distinct, s.Count),
			Hint:   fmt.Sprintf("pass --id %s to carry it into predictions, or --drop %s", c.name, c.name),
		}
	}
	return in, "", nil
}

// featureNames names the encoded features: a numeric column keeps its
// name, a category is "column=value" and an indicator "column_missing".
// A generated name that clashes with a column or an earlier feature gets a
// "#2", "#3", ... suffix.
func featureNames(inputs []Input, columns []string) []string {
	used := make(map[string]bool, len(columns))
	for _, c := range columns {
		used[c] = true
	}
	var names []string
	add := func(name string, generated bool) {
		if generated && used[name] {
			base := name
			for k := 2; used[name]; k++ {
				name = base + "#" + strconv.Itoa(k)
			}
		}
		used[name] = true
		names = append(names, name)
	}
	for _, in := range inputs {
		if in.Kind == Numeric && !in.Constant {
			add(in.Name, false)
		}
		for _, l := range in.Levels {
			add(in.Name+"="+l, true)
		}
		if in.Indicator {
			add(in.Name+"_missing", true)
		}
	}
	return names
}

// Features returns the encoded model-input names; len equals Frame.X.Cols.
func (p *Preprocessor) Features() []string { return slices.Clone(p.FeatureNames) }

// InputColumns returns the raw columns a file must have for Transform.
func (p *Preprocessor) InputColumns() []string {
	names := make([]string, len(p.Inputs))
	for i, in := range p.Inputs {
		names[i] = in.Name
	}
	return names
}

// IDColumns returns the id columns carried into predictions.
func (p *Preprocessor) IDColumns() []string { return slices.Clone(p.IDs) }

// Target returns the target column's name.
func (p *Preprocessor) Target() string { return p.TargetName }

// TargetToModel maps a target value to the model's scale: log1p and/or
// standardisation.
func (p *Preprocessor) TargetToModel(y float64) float64 {
	if p.TargetLog1p {
		y = math.Log1p(y)
	}
	if p.TargetStandardize {
		y = (y - p.TargetMean) / p.TargetStd
	}
	return y
}

// TargetFromModel is the inverse of TargetToModel, back to target units.
func (p *Preprocessor) TargetFromModel(z float64) float64 {
	if p.TargetStandardize {
		z = z*p.TargetStd + p.TargetMean
	}
	if p.TargetLog1p {
		z = math.Expm1(z)
	}
	return z
}

// Validate checks a decoded Preprocessor for consistency, so that a damaged
// or hand-edited model file fails with a clear error instead of encoding
// wrong features.
func (p *Preprocessor) Validate() error {
	if p.Version != prepVersion {
		return fmt.Errorf("data: preprocessor version %d: this build reads version %d", p.Version, prepVersion)
	}
	if p.TargetName == "" {
		return fmt.Errorf("data: preprocessor has no target name")
	}
	switch p.Scale {
	case ScaleNone, ScaleStandard, ScaleQuantile:
	default:
		return fmt.Errorf("data: preprocessor has unknown scaling %q", p.Scale)
	}
	if p.TargetStandardize && !(p.TargetStd > 0) {
		return fmt.Errorf("data: preprocessor target standard deviation %v is not positive", p.TargetStd)
	}
	width := 0
	for _, in := range p.Inputs {
		if in.Name == "" {
			return fmt.Errorf("data: preprocessor has an input with no name")
		}
		switch in.Kind {
		case Numeric:
			if p.Scale == ScaleStandard && !in.Constant && !(in.Std > 0) {
				return fmt.Errorf("data: preprocessor input %q has standard deviation %v", in.Name, in.Std)
			}
			if p.Scale == ScaleQuantile && !in.Constant && len(in.Quantiles) < 2 {
				return fmt.Errorf("data: preprocessor input %q has %d quantiles", in.Name, len(in.Quantiles))
			}
		case Categorical:
			if len(in.Levels) == 0 {
				return fmt.Errorf("data: preprocessor input %q has no categories", in.Name)
			}
		default:
			return fmt.Errorf("data: preprocessor input %q has kind %v", in.Name, in.Kind)
		}
		width += in.width()
	}
	if width != len(p.FeatureNames) {
		return fmt.Errorf("data: preprocessor encodes %d features but names %d", width, len(p.FeatureNames))
	}
	return nil
}

// UnmarshalJSON decodes a Preprocessor and validates it.
func (p *Preprocessor) UnmarshalJSON(b []byte) error {
	type plain Preprocessor
	var q plain
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = Preprocessor(q)
	return p.Validate()
}
