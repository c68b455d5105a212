package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"

	"github.com/hrmg/hrmg/metrics"
)

// testReport builds a report of one split with coordinates: 300 test rows
// on a 2° × 3° box, an HRM with two seeds, ponder steps and learning
// curves, and a random forest with importances.
func testReport(t *testing.T) *Report {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 300
	s := &Split{
		ID: "random", Name: "random split", Description: "Rows held out at random.",
		Rows: [3]int{2400, 300, n}, TestFile: "random/test.csv",
	}
	for range n {
		lat, lon := 34+2*rng.Float64(), -120+3*rng.Float64()
		s.Lat = append(s.Lat, lat)
		s.Lon = append(s.Lon, lon)
		s.Truth = append(s.Truth, 100_000+50_000*(lat-34)+20_000*rng.NormFloat64())
	}
	run := func(seed uint64, noise float64, hrm bool) Run {
		r := Run{Seed: seed, File: "random/m.hrmg", FileBytes: 123_456, FitSeconds: 12.5, PredictMs: 3.25}
		for i, y := range s.Truth {
			r.Pred = append(r.Pred, y+noise*rng.NormFloat64())
			if hrm {
				r.Steps = append(r.Steps, float64(2+i%5))
			}
		}
		score, err := metrics.Score(s.Truth, r.Pred)
		if err != nil {
			t.Fatal(err)
		}
		r.Test = score
		if hrm {
			for e := 1; e <= 10; e++ {
				r.History = append(r.History, Epoch{Epoch: e, TrainLoss: 1 / float64(e), ValidRMSE: 30_000 + 10_000/float64(e)})
			}
		}
		return r
	}
	hrm := &Model{Name: "HRM", Key: "hrm", Runs: []Run{run(1, 15_000, true), run(2, 16_000, true)}}
	forest := &Model{Name: "random forest", Key: "random-forest", Runs: []Run{run(1, 12_000, false)}, PermutationRepeats: 5}
	for i, f := range []string{"latitude", "longitude", "ocean_proximity=<1H OCEAN", "a_feature_name_that_is_far_too_long_to_draw"} {
		forest.Importance = append(forest.Importance, Importance{Feature: f, Impurity: 0.4 - 0.1*float64(i), PermutationMean: 0.3 / float64(i+1), PermutationStd: 0.01})
	}
	s.Models = []*Model{hrm, forest}
	return &Report{
		Created: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Machine: "test machine",
		Command: "hrmg compare --data 'my file.csv'", Target: "median_house_value", Unit: "USD",
		Seeds: []uint64{1, 2}, Splits: []*Split{s},
	}
}

func TestWriteFilesExistAndDecode(t *testing.T) {
	dir := t.TempDir()
	r := testReport(t)
	written, err := Write(context.Background(), dir, r)
	if err != nil {
		t.Fatal(err)
	}
	wantFigures := []string{
		"learning-curves-hrm.png", "predicted-vs-actual-hrm.png", "predicted-vs-actual-random-forest.png",
		"residual-map-hrm.png", "residual-map-random-forest.png", "ponder-steps-hrm.png", "ponder-map-hrm.png",
		"importance-random-forest.png",
	}
	for _, f := range wantFigures {
		path := filepath.Join(dir, "random", f)
		if !slices.Contains(written, path) {
			t.Errorf("Write did not report %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("figure missing: %v", err)
			continue
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s does not decode as PNG: %v", f, err)
			continue
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Errorf("%s is %dx%d pixels, too small to read", f, b.Dx(), b.Dy())
		}
	}
	if len(r.Splits[0].Notes) != 0 {
		t.Errorf("notes = %q, want none", r.Splits[0].Notes)
	}

	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{
		"## Random split", "| HRM |", "| random forest |", "- Machine: test machine",
		"- Command: `hrmg compare --data 'my file.csv'`",
		"hrmg eval --model random/m.hrmg --data random/test.csv",
		"Each seed's run:",
	}, wantFigures...) {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}

	var js JSONReport
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if len(js.Splits) != 1 || len(js.Splits[0].Models) != 2 {
		t.Fatalf("report.json has %d splits, want 1 with 2 models", len(js.Splits))
	}
	hrm := js.Splits[0].Models[0]
	wantMean := (r.Splits[0].Models[0].Runs[0].Test.R2 + r.Splits[0].Models[0].Runs[1].Test.R2) / 2
	if got := float64(hrm.Summary["r2"].Mean); math.Abs(got-wantMean) > 1e-12 {
		t.Errorf("JSON mean R² = %v, want %v", got, wantMean)
	}
	if hrm.Summary["r2"].Runs != 2 {
		t.Errorf("JSON R² runs = %d, want 2", hrm.Summary["r2"].Runs)
	}
	if len(hrm.Runs[0].History) != 10 {
		t.Errorf("JSON history has %d epochs, want 10", len(hrm.Runs[0].History))
	}
	if got := len(js.Splits[0].Figures); got != len(wantFigures) {
		t.Errorf("JSON lists %d figures, want %d", got, len(wantFigures))
	}
}

// hiddenAxis reports whether an axis draws no tick labels, as a colour
// bar's X axis and a panel that shares another's Y axis do.
func hiddenAxis(ax plot.Axis) bool {
	return len(ax.Tick.Marker.Ticks(0, 1)) == 0
}

func TestFiguresNameSplitAndLabelAxes(t *testing.T) {
	r := testReport(t)
	s := r.Splits[0]
	figs, notes := r.Figures(s)
	if len(notes) != 0 {
		t.Errorf("notes = %q", notes)
	}
	for _, f := range figs {
		for i, p := range f.Plots() {
			isBar := f.ColorBar != nil && p == f.ColorBar
			if !isBar && !strings.Contains(p.Title.Text, s.Name) {
				t.Errorf("%s plot %d: title %q does not name the split", f.File, i, p.Title.Text)
			}
			if !hiddenAxis(p.X) && p.X.Label.Text == "" {
				t.Errorf("%s plot %d: no X label", f.File, i)
			}
			if !hiddenAxis(p.Y) && p.Y.Label.Text == "" {
				t.Errorf("%s plot %d: no Y label", f.File, i)
			}
			for _, label := range []string{p.X.Label.Text, p.Y.Label.Text} {
				if strings.Contains(label, "median_house_value") && !strings.Contains(label, "(USD)") {
					t.Errorf("%s plot %d: label %q lacks the unit", f.File, i, label)
				}
			}
		}
		if f.ColorBar != nil && !strings.Contains(f.ColorBar.Y.Label.Text, "(") {
			t.Errorf("%s: colour bar label %q gives no unit", f.File, f.ColorBar.Y.Label.Text)
		}
	}
}

func TestFiguresWithoutCoordinatesOrHistory(t *testing.T) {
	r := testReport(t)
	s := r.Splits[0]
	s.Lat, s.Lon = nil, nil
	for i := range s.Models[0].Runs {
		s.Models[0].Runs[i].History = nil
	}
	figs, _ := r.Figures(s)
	for _, f := range figs {
		if strings.Contains(f.File, "map") || strings.Contains(f.File, "learning") {
			t.Errorf("figure %s drawn without its data", f.File)
		}
	}
	if len(figs) != 4 {
		t.Errorf("%d figures, want 4 (two predicted-vs-actual, ponder steps, importance)", len(figs))
	}
}

func TestPonderMapLeftOutWhenStepsConstant(t *testing.T) {
	r := testReport(t)
	s := r.Splits[0]
	for i := range s.Models[0].Runs[0].Steps {
		s.Models[0].Runs[0].Steps[i] = 2
	}
	figs, notes := r.Figures(s)
	for _, f := range figs {
		if f.File == "ponder-map-hrm.png" {
			t.Error("ponder map drawn although every row used 2 steps")
		}
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "HRM: every test row used 2 ponder steps") {
		t.Errorf("notes = %q, want one about the constant ponder steps", notes)
	}
	hist, err := r.ponderHistogram(s, s.Models[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hist.PNG(); err != nil {
		t.Errorf("histogram of constant steps: %v", err)
	}
}

func TestTableRows(t *testing.T) {
	m := &Model{Name: "HRM", Runs: []Run{
		{Test: metrics.Regression{R2: 0.8, RMSE: 10, MAE: 5}, FitSeconds: 10, PredictMs: 2, FileBytes: 2_000_000},
		{Test: metrics.Regression{R2: 0.9, RMSE: 20, MAE: 7}, FitSeconds: 20, PredictMs: 4, FileBytes: 2_000_000},
	}}
	loaded := &Model{Name: "HRM (loaded)", Loaded: true, Runs: []Run{
		{Test: metrics.Regression{R2: 0.75, RMSE: 12.5, MAE: 6}, FitSeconds: math.NaN(), PredictMs: 1.5, FileBytes: 900},
	}}
	forest := &Model{Name: "random forest", Runs: []Run{
		{Test: metrics.Regression{R2: 0.6, RMSE: 30, MAE: 20}, FitSeconds: 0.007, PredictMs: 0.25, FileBytes: 150_000},
	}}
	s := &Split{Models: []*Model{m, forest, loaded}}
	rows := s.TableRows()
	want := [][]string{
		tableHeader,
		{"HRM", "0.8500 ± 0.0707", "15.0 ± 7.1", "6.0 ± 1.4", "15.0 ± 7.1", "3.0 ± 1.4", "2.0 MB"},
		{"random forest", "0.6000", "30", "20", "0.007", "0.25", "150.0 kB"},
		{"HRM (loaded)", "0.7500", "12.5", "6", "-", "1.5", "900 B"},
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

func TestFormatMeanStd(t *testing.T) {
	for _, tc := range []struct {
		s      Stat
		digits int
		want   string
	}{
		{Stat{Mean: 68612.4, Std: 1170, N: 2}, 6, "68612 ± 1170"},
		{Stat{Mean: 0.420575, Std: 0.0106, N: 3}, 6, "0.421 ± 0.011"},
		{Stat{Mean: 1234567.8, N: 1}, 6, "1234568"},
		{Stat{Mean: 0.000012345, N: 1}, 3, "1.23e-05"},
		{Stat{Mean: 4.5, Std: 0, N: 2}, 3, "4.5 ± 0"},
		{Stat{Mean: math.NaN()}, 3, "-"},
	} {
		if got := formatMeanStd(tc.s, tc.digits); got != tc.want {
			t.Errorf("formatMeanStd(%+v, %d) = %q, want %q", tc.s, tc.digits, got, tc.want)
		}
	}
}

func TestWriteTableTabSeparated(t *testing.T) {
	r := testReport(t)
	var b bytes.Buffer
	if err := WriteTable(&b, r.Splits[0], false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want title, header and 2 models:\n%s", len(lines), b.String())
	}
	if lines[0] != "random split: 2400 training, 300 validation, 300 test rows" {
		t.Errorf("title line = %q", lines[0])
	}
	for _, l := range lines[1:] {
		if got := strings.Count(l, "\t"); got != len(tableHeader)-1 {
			t.Errorf("line %q has %d tabs, want %d", l, got, len(tableHeader)-1)
		}
	}
}

func TestNumberJSON(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{{0.5, "0.5"}, {math.NaN(), "null"}, {math.Inf(1), "null"}, {-2e-9, "-2e-09"}} {
		b, err := json.Marshal(Number(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("Number(%v) = %s, want %s", tc.in, b, tc.want)
		}
	}
	var n Number
	if err := json.Unmarshal([]byte("null"), &n); err != nil || !math.IsNaN(float64(n)) {
		t.Errorf("null decodes to %v, %v; want NaN", n, err)
	}
}

func TestFormatTick(t *testing.T) {
	for _, tc := range []struct {
		in       float64
		decimals int
		want     string
	}{
		{500000, 0, "500,000"}, {-1234567, 0, "-1,234,567"}, {12000, 0, "12,000"}, {9999, 0, "9999"},
		{0.25, 2, "0.25"}, {12345.5, 1, "12345.5"}, {-120.1, 1, "-120.1"},
	} {
		if got := formatTick(tc.in, tc.decimals); got != tc.want {
			t.Errorf("formatTick(%v, %d) = %q, want %q", tc.in, tc.decimals, got, tc.want)
		}
	}
}

func TestReadableTicksNarrowRange(t *testing.T) {
	// gonum/plot's own labels for this range are "-1.2e+02".
	var labels []string
	for _, tick := range (readableTicks{}).Ticks(-120.27, -120.03) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}
	if len(labels) < 2 {
		t.Fatalf("labels = %q, want at least two", labels)
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l] || !strings.HasPrefix(l, "-120.") {
			t.Errorf("labels = %q, want distinct labels like -120.1", labels)
			break
		}
		seen[l] = true
	}
}

func TestReadableTicksEmptyRange(t *testing.T) {
	ticks := readableTicks{}.Ticks(3, 3)
	if len(ticks) != 1 || ticks[0].Value != 3 {
		t.Errorf("ticks of an empty range = %v, want one at 3", ticks)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{4, 1, 3, 2, 5}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {1, 5}, {0.9, 4.6}} {
		if got := quantile(xs, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN(quantile(nil, 0.5)) {
		t.Error("quantile of no values is not NaN")
	}
}

func TestShellJoin(t *testing.T) {
	got := ShellJoin([]string{"hrmg", "compare", "--data", "my file.csv", "--features", "A*", "--target", "it's"})
	want := `hrmg compare --data 'my file.csv' --features 'A*' --target 'it'\''s'`
	if got != want {
		t.Errorf("ShellJoin = %s, want %s", got, want)
	}
}

func TestWriteRejectsBadSplitID(t *testing.T) {
	for _, id := range []string{"", "..", "a/b", `a\b`} {
		r := testReport(t)
		r.Splits[0].ID = id
		if _, err := Write(context.Background(), t.TempDir(), r); err == nil {
			t.Errorf("split ID %q accepted", id)
		}
	}
}

func TestMapHeightFollowsExtent(t *testing.T) {
	// 1° of longitude at 60° north is half as long as 1° of latitude, so a
	// 2° × 2° box is twice as tall as it is wide.
	tall := mapHeight([]float64{59, 61}, []float64{10, 12})
	square := mapHeight([]float64{-1, 1}, []float64{10, 12})
	if !(tall > square) {
		t.Errorf("height at 60°N %v, at the equator %v: want the first larger", tall, square)
	}
}

func TestTickDecimalsWriteValuesExactly(t *testing.T) {
	cases := []struct {
		values []float64
		want   int
	}{
		{[]float64{0.4, 0.45, 0.5}, 2},
		{[]float64{0.5, 0.6}, 1},
		{[]float64{0, 0.1, 0.30000000000000004}, 1},
		{[]float64{100000, 200000}, 0},
		{[]float64{-120.5, -120, -119.5}, 1},
		{[]float64{0.001, 0.002}, 3},
	}
	for _, c := range cases {
		if got := tickDecimals(c.values); got != c.want {
			t.Errorf("tickDecimals(%v) = %d, want %d", c.values, got, c.want)
		}
	}
}
