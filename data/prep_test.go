package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustRead(t *testing.T, input string, opts ReadOptions) *Table {
	t.Helper()
	tab, err := readString(input, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func mustFit(t *testing.T, tab *Table, sel Selection, opts PrepOptions) (*Preprocessor, []Warning) {
	t.Helper()
	p, w, err := FitPreprocessor(tab, sel, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, w
}

func mustTransform(t *testing.T, p *Preprocessor, tab *Table) (*Frame, []Warning) {
	t.Helper()
	f, w, err := p.Transform(tab)
	if err != nil {
		t.Fatal(err)
	}
	return f, w
}

const encodingTable = `num,gappy,flat,flatgap,empty,cat,y
1,10,7,7,,a,1
2,,7,,,b,2
3,30,7,7,,,3
4,40,7,7,,a,4
`

func TestFitPreprocessorEncoding(t *testing.T) {
	tab := mustRead(t, encodingTable, ReadOptions{})
	p, warnings := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{Scale: ScaleNone})

	want := []string{"num", "gappy", "gappy_missing", "flatgap_missing", "cat=a", "cat=b", "cat_missing"}
	if got := p.Features(); !slices.Equal(got, want) {
		t.Errorf("features = %q, want %q", got, want)
	}
	if got := p.InputColumns(); !slices.Equal(got, []string{"num", "gappy", "flatgap", "cat"}) {
		t.Errorf("input columns = %q", got)
	}
	var warned []string
	for _, w := range warnings {
		warned = append(warned, w.Column)
	}
	if !slices.Equal(warned, []string{"flat", "flatgap", "empty"}) {
		t.Errorf("warnings about %q, want flat, flatgap and empty: %v", warned, warnings)
	}

	f, _ := mustTransform(t, p, tab)
	wantX := [][]float32{
		{1, 10, 0, 0, 1, 0, 0},
		{2, 30, 1, 1, 0, 1, 0}, // gappy imputed with the median of 10, 30, 40
		{3, 30, 0, 0, 0, 0, 1},
		{4, 40, 0, 0, 1, 0, 0},
	}
	for i, row := range wantX {
		if got := f.X.Row(i); !slices.Equal(got, row) {
			t.Errorf("row %d = %v, want %v", i, got, row)
		}
	}
	if !slices.Equal(f.Y, []float64{1, 2, 3, 4}) || !slices.Equal(f.YModel, []float32{1, 2, 3, 4}) {
		t.Errorf("Y = %v, YModel = %v", f.Y, f.YModel)
	}
	if !slices.Equal(f.Lines, []int{2, 3, 4, 5}) {
		t.Errorf("lines = %v", f.Lines)
	}
}

func TestStandardScaling(t *testing.T) {
	tab := mustRead(t, "x,y\n1,1\n2,2\n3,3\n4,5\n", ReadOptions{})
	p, _ := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{Scale: ScaleStandard})
	f, _ := mustTransform(t, p, tab)
	std := math.Sqrt(5.0 / 3) // sample standard deviation of 1, 2, 3, 4
	for i, x := range []float64{1, 2, 3, 4} {
		want := (x - 2.5) / std
		if got := f.X.At(i, 0); math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("x = %v scaled to %v, want %v", x, got, want)
		}
	}
}

func TestQuantileScaling(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y\n")
	// A skewed column with a run of ties at 0.
	for i := range 200 {
		x := math.Exp(float64(i) / 20)
		if i < 50 {
			x = 0
		}
		fmt.Fprintf(&b, "%g,%d\n", x, i)
	}
	train := mustRead(t, b.String(), ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{Scale: ScaleQuantile})
	f, _ := mustTransform(t, p, train)

	var scores []float64
	for i := range f.X.Rows {
		scores = append(scores, float64(f.X.At(i, 0)))
	}
	for i := 1; i < len(scores); i++ {
		if scores[i] < scores[i-1] {
			t.Fatalf("scores decrease at row %d: %v then %v", i, scores[i-1], scores[i])
		}
	}
	for i := 1; i < 50; i++ {
		if scores[i] != scores[0] {
			t.Fatalf("tied values scored %v and %v", scores[0], scores[i])
		}
	}
	// The tie run covers probabilities 0 to 0.25, so it scores at the
	// normal quantile of 0.125.
	if want := math.Sqrt2 * math.Erfinv(2*0.125-1); math.Abs(scores[0]-want) > 0.01 {
		t.Errorf("tie score = %v, want about %v", scores[0], want)
	}
	// The 200 training values are the references themselves, at
	// probabilities k/199, so a value above the ties scores at the normal
	// quantile of its rank.
	for i := 50; i < 199; i++ {
		want := math.Sqrt2 * math.Erfinv(2*float64(i)/199-1)
		if math.Abs(scores[i]-want) > 1e-5 {
			t.Errorf("row %d scored %v, want %v", i, scores[i], want)
		}
	}

	outside := mustRead(t, "x,y\n-5,0\n1e30,0\n", ReadOptions{})
	g, _ := mustTransform(t, p, outside)
	limit := math.Sqrt2 * math.Erfinv(1-2*quantileClip)
	if lo, hi := float64(g.X.At(0, 0)), float64(g.X.At(1, 0)); math.Abs(lo+limit) > 1e-3 || math.Abs(hi-limit) > 1e-3 {
		t.Errorf("values outside the training range scored %v and %v, want ∓%v", lo, hi, limit)
	}
}

func TestQuantileToNormalSmallReferences(t *testing.T) {
	refs := fitQuantiles([]float64{1, 2, 3})
	if !slices.Equal(refs, []float64{1, 2, 3}) {
		t.Fatalf("refs = %v", refs)
	}
	if got := quantileToNormal(refs, 2); math.Abs(got) > 1e-12 {
		t.Errorf("median scored %v, want 0", got)
	}
	if got := quantileToNormal(refs, 2.5); got <= 0 || got >= quantileToNormal(refs, 3) {
		t.Errorf("2.5 scored %v, want between 0 and the maximum's score", got)
	}
}

func TestTargetTransforms(t *testing.T) {
	tab := mustRead(t, "x,y\n1,0\n2,9\n3,99\n4,999\n", ReadOptions{})
	for _, opts := range []PrepOptions{
		{}, {TargetLog1p: true}, {TargetStandardize: true}, {TargetLog1p: true, TargetStandardize: true},
	} {
		t.Run(fmt.Sprintf("log1p=%v standardize=%v", opts.TargetLog1p, opts.TargetStandardize), func(t *testing.T) {
			p, _ := mustFit(t, tab, Selection{Target: "y"}, opts)
			f, _ := mustTransform(t, p, tab)
			if !slices.Equal(f.Y, []float64{0, 9, 99, 999}) {
				t.Errorf("Y = %v, want the target in its own units", f.Y)
			}
			var z []float64
			for i, y := range f.Y {
				z = append(z, float64(f.YModel[i]))
				if back := p.TargetFromModel(p.TargetToModel(y)); math.Abs(back-y) > 1e-9*math.Max(1, y) {
					t.Errorf("round trip of %v gave %v", y, back)
				}
			}
			if opts.TargetStandardize {
				if mean, _ := meanOf(z); math.Abs(mean) > 1e-6 {
					t.Errorf("standardised target mean = %v, want 0", mean)
				}
			}
			if opts.TargetLog1p && !opts.TargetStandardize {
				if math.Abs(z[1]-math.Log(10)) > 1e-6 {
					t.Errorf("log1p(9) = %v, want ln 10", z[1])
				}
			}
		})
	}

	bad := mustRead(t, "x,y\n1,-1\n2,3\n", ReadOptions{})
	_, _, err := FitPreprocessor(bad, Selection{Target: "y"}, PrepOptions{TargetLog1p: true})
	checkError(t, err, cellError{err: ErrTargetRange, line: 2, column: "y", value: "-1"})
}

func meanOf(xs []float64) (float64, int) {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs)), len(xs)
}

func TestPreprocessorJSONRoundTrip(t *testing.T) {
	tab := mustRead(t, encodingTable, ReadOptions{})
	for _, scale := range []Scaling{ScaleNone, ScaleStandard, ScaleQuantile} {
		p, _ := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{Scale: scale, TargetLog1p: true, TargetStandardize: true})
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Preprocessor
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", scale, err)
		}
		f1, _ := mustTransform(t, p, tab)
		f2, _ := mustTransform(t, &back, tab)
		if !slices.Equal(f1.X.Data, f2.X.Data) || !slices.Equal(f1.YModel, f2.YModel) {
			t.Errorf("%s: the decoded preprocessor encodes differently", scale)
		}
	}

	p, _ := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{})
	good, _ := json.Marshal(p)
	for _, edit := range []struct{ from, to string }{
		{`"version":1`, `"version":7`},
		{`"scale":"none"`, `"scale":"minmax"`},
		{`"features":["num",`, `"features":[`},
		{`"kind":"categorical"`, `"kind":"text"`},
	} {
		damaged := strings.Replace(string(good), edit.from, edit.to, 1)
		if damaged == string(good) {
			t.Fatalf("edit %q found nothing to change in %s", edit.from, good)
		}
		var q Preprocessor
		if err := json.Unmarshal([]byte(damaged), &q); err == nil {
			t.Errorf("decoding with %s → %s succeeded, want an error", edit.from, edit.to)
		}
	}
}

func TestTransformMatchesColumnsByName(t *testing.T) {
	train := mustRead(t, encodingTable, ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{Scale: ScaleStandard})
	want, _ := mustTransform(t, p, train)

	shuffled := mustRead(t, `extra,cat,y,gappy,flatgap,num
z,a,1,10,7,1
z,b,2,,,2
z,,3,30,7,3
z,a,4,40,7,4
`, ReadOptions{})
	got, _ := mustTransform(t, p, shuffled)
	if !slices.Equal(got.X.Data, want.X.Data) {
		t.Errorf("reordered columns encode as %v, want %v", got.X.Data, want.X.Data)
	}

	lacking := mustRead(t, "num,cat\n1,a\n", ReadOptions{})
	_, _, err := p.Transform(lacking)
	checkError(t, err, cellError{err: ErrMissingColumn, column: "gappy", contains: []string{`"gappy", "flatgap"`}})
}

func TestTransformRejectsTextInNumericColumn(t *testing.T) {
	train := mustRead(t, encodingTable, ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{})
	text := mustRead(t, "num,gappy,flatgap,cat\nx,1,1,a\nwide,2,2,b\n", ReadOptions{})
	_, _, err := p.Transform(text)
	checkError(t, err, cellError{err: ErrNonNumeric, line: 2, column: "num", value: "x"})
}

func TestTransformWarnings(t *testing.T) {
	train := mustRead(t, "zone,x,y\na,1,1\nb,2,2\na,3,3\n", ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{})

	var b strings.Builder
	b.WriteString("zone,x\n")
	for i := range 15 {
		fmt.Fprintf(&b, "new%d,%d\n", i, i)
	}
	b.WriteString(",\n")
	f, warnings := mustTransform(t, p, mustRead(t, b.String(), ReadOptions{}))
	if f.Y != nil {
		t.Errorf("Y = %v for a table without target, want nil", f.Y)
	}
	// 10 cell warnings, one counting the other 5, one about the missing
	// zone and one about the missing x.
	if len(warnings) != 13 {
		t.Fatalf("%d warnings, want 13: %v", len(warnings), warnings)
	}
	if w := warnings[0]; w.Line != 2 || w.Value != "new0" || w.Column != "zone" {
		t.Errorf("first warning = %v", w)
	}
	if w := warnings[10]; !strings.Contains(w.Message, "5 more cells") {
		t.Errorf("summary warning = %v", w)
	}
	if w := warnings[12]; w.Column != "x" || w.Line != 17 || !strings.Contains(w.Message, "training median 2") {
		t.Errorf("imputation warning = %v", w)
	}
	if got := f.X.Row(15); !slices.Equal(got, []float32{0, 0, 2}) {
		t.Errorf("row with missing zone and x = %v, want no category and the median 2", got)
	}
}

func TestTransformTargetMissing(t *testing.T) {
	train := mustRead(t, "x,y\n1,1\n2,2\n3,3\n", ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{})
	labelled := mustRead(t, "x,y\n1,1\n2,\n3,3\n", ReadOptions{})
	f, warnings := mustTransform(t, p, labelled)
	if !math.IsNaN(f.Y[1]) || len(warnings) != 1 {
		t.Errorf("Y = %v, warnings %v; want NaN for the missing target and a warning", f.Y, warnings)
	}
	withTarget, dropWarnings, err := DropMissingTarget(labelled, "y")
	if err != nil {
		t.Fatal(err)
	}
	if withTarget.Len() != 2 || len(dropWarnings) != 1 || dropWarnings[0].Line != 3 {
		t.Errorf("DropMissingTarget kept %d rows with warnings %v", withTarget.Len(), dropWarnings)
	}
}

func TestTransformKeepsIDText(t *testing.T) {
	train := mustRead(t, "fips,zone,x,y\n06037,1,1,1\n13121,2,2,2\n13089,1,3,3\n", ReadOptions{Categorical: []string{"fips", "zone"}})
	p, _ := mustFit(t, train, Selection{Target: "y", IDs: []string{"fips"}}, PrepOptions{})
	if got := p.Features(); !slices.Equal(got, []string{"zone=1", "zone=2", "x"}) {
		t.Fatalf("features = %q", got)
	}
	path := writeTemp(t, "predict.csv", "x,zone,fips\n5,2,06037\n6,1,00001\n")

	tab, err := p.ReadFile(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, warnings := mustTransform(t, p, tab)
	if len(f.IDs) != 1 || !slices.Equal(f.IDs[0].Values, []string{"06037", "00001"}) || len(warnings) != 0 {
		t.Errorf("ids = %v, warnings %v; want the codes as written", f.IDs, warnings)
	}
	if !slices.Equal(f.X.Row(0), []float32{0, 1, 5}) {
		t.Errorf("row 0 = %v", f.X.Row(0))
	}

	// Read without the model's help, both columns are numbers: categories
	// still match through their text, and the ids come with a warning.
	plain, err := ReadFile(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, warnings := mustTransform(t, p, plain)
	if !slices.Equal(g.X.Data, f.X.Data) {
		t.Errorf("numeric zone encodes as %v, want %v", g.X.Data, f.X.Data)
	}
	if len(warnings) != 1 || warnings[0].Column != "fips" || g.IDs[0].Values[0] != "6037" {
		t.Errorf("warnings = %v, ids %v; want one warning about the numeric id", warnings, g.IDs)
	}
}

func TestFeatureNamesAvoidClashes(t *testing.T) {
	tab := mustRead(t, "a,a_missing,y\n1,0,1\n,1,2\n3,0,3\n", ReadOptions{})
	p, _ := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{})
	if got, want := p.Features(), []string{"a", "a_missing#2", "a_missing"}; !slices.Equal(got, want) {
		t.Errorf("features = %q, want %q", got, want)
	}
}

func TestFrameCoordinates(t *testing.T) {
	tab := mustRead(t, "latitude,longitude,y\n33.75,-84.39,1\n34.05,-118.25,2\n", ReadOptions{})
	p, _ := mustFit(t, tab, Selection{Target: "y"}, PrepOptions{})
	f, _ := mustTransform(t, p, tab)
	if !slices.Equal(f.Lat, []float64{33.75, 34.05}) || !slices.Equal(f.Lon, []float64{-84.39, -118.25}) {
		t.Errorf("Lat %v, Lon %v", f.Lat, f.Lon)
	}
	if got := p.Features(); !slices.Equal(got, []string{"latitude", "longitude"}) {
		t.Errorf("features = %q: coordinates stay features unless dropped", got)
	}
}

func TestFitPreprocessorErrors(t *testing.T) {
	var ids strings.Builder
	ids.WriteString("tract,y\n")
	for i := range 40 {
		fmt.Fprintf(&ids, "G%04d,%d\n", i, i)
	}
	tests := []struct {
		name  string
		input string
		sel   Selection
		opts  PrepOptions
		want  error
	}{
		{"id-like column", ids.String(), Selection{Target: "y"}, PrepOptions{}, ErrIDLikeColumn},
		{"unknown scaling", "x,y\n1,2\n2,3\n", Selection{Target: "y"}, PrepOptions{Scale: "minmax"}, ErrInvalidOption},
		{"text target", "x,y\n1,a\n2,b\n", Selection{Target: "y"}, PrepOptions{}, ErrTargetNotNumeric},
		{"constant target", "x,y\n1,2\n2,2\n", Selection{Target: "y"}, PrepOptions{TargetStandardize: true}, ErrConstantTarget},
		{"only constant features", "x,y\n1,2\n1,3\n", Selection{Target: "y"}, PrepOptions{}, ErrNoFeatures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := mustRead(t, tt.input, ReadOptions{})
			_, _, err := FitPreprocessor(tab, tt.sel, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFitPreprocessorUsesTrainingRowsOnly(t *testing.T) {
	tab := mustRead(t, "x,zone,y\n1,a,1\n2,b,2\n3,a,3\n100,c,4\n", ReadOptions{})
	train := tab.Subset([]int{0, 1, 2})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{Scale: ScaleStandard})
	if in := p.Inputs[0]; in.Mean != 2 {
		t.Errorf("mean = %v, want 2 from the training rows", in.Mean)
	}
	if got := p.Features(); !slices.Equal(got, []string{"x", "zone=a", "zone=b"}) {
		t.Errorf("features = %q, want no category seen only outside training", got)
	}
}

func TestPreprocessorReadsOnlyNeededColumns(t *testing.T) {
	train := mustRead(t, encodingTable, ReadOptions{})
	p, _ := mustFit(t, train, Selection{Target: "y"}, PrepOptions{Scale: ScaleStandard})
	path := filepath.Join(t.TempDir(), "predict.csv")
	// The note column holds a value no column may hold, and the target
	// column a stray word: neither is needed to predict.
	content := "num,cat,gappy,flatgap,note,y\n1,a,10,7,1e400,1\n2,b,,,3,2\n3,a,30,7,4,oops\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	table, err := p.ReadFile(context.Background(), path, ReadOptions{Columns: p.NeededColumns(false)})
	if err != nil {
		t.Fatalf("read for prediction: %v", err)
	}
	frame, _ := mustTransform(t, p, table)
	if frame.X.Rows != 3 {
		t.Errorf("rows = %d, want 3", frame.X.Rows)
	}
	if frame.Y != nil {
		t.Errorf("Y = %v, want nil without the target", frame.Y)
	}

	// Scoring needs the target, so its bad cell is an error, and the
	// unused note column is still skipped.
	_, err = p.ReadFile(context.Background(), path, ReadOptions{})
	checkError(t, err, cellError{err: ErrNonNumeric, line: 4, column: "y", value: "oops"})
}
