package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/report"
)

// californiaSlice writes every step-th row of the bundled California
// table to a file in dir: a few hundred rows spread over the whole state.
func californiaSlice(t *testing.T, dir string, step int) string {
	t.Helper()
	f, err := os.Open(californiaDir + "housing.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i == 0 || i%step == 0 {
			out.WriteString(sc.Text() + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "california-slice.csv")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fastCompare are flags for small models that fit in about a second.
var fastCompare = []string{
	"--hidden", "16", "--epochs", "2", "--batch", "64", "--lr", "0.003",
	"--halting", "act", "--max-cycles", "3",
	"--rf-trees", "10", "--gbm-trees", "30",
}

// runCompareJSON runs hrmg compare --json and decodes its output.
func runCompareJSON(t *testing.T, args ...string) report.JSONReport {
	t.Helper()
	args = append(append([]string{"compare", "--json"}, fastCompare...), args...)
	code, stdout, stderr := runHrmg(t, args...)
	if code != exitOK {
		t.Fatalf("compare: exit status %d, stderr:\n%s", code, stderr)
	}
	var r report.JSONReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("compare --json output: %v\n%s", err, stdout)
	}
	return r
}

// evalJSON runs hrmg eval --json on a model and table.
func evalJSON(t *testing.T, modelPath, dataPath string) evalScores {
	t.Helper()
	code, stdout, stderr := runHrmg(t, "eval", "--model", modelPath, "--data", dataPath, "--json")
	if code != exitOK {
		t.Fatalf("eval %s: exit status %d, stderr:\n%s", modelPath, code, stderr)
	}
	var r evalReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("eval --json output: %v\n%s", err, stdout)
	}
	if r.R2 == nil {
		t.Fatalf("eval %s: R² undefined", modelPath)
	}
	return evalScores{R2: *r.R2, RMSE: r.RMSE, MAE: r.MAE, Rows: r.Rows}
}

// evalScores are the numbers of an eval report with a defined R².
type evalScores struct {
	R2, RMSE, MAE float64
	Rows          int
}

func TestCompareCaliforniaEndToEnd(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 25)
	out := filepath.Join(dir, "report")
	r := runCompareJSON(t, "--data", slice, "--target", "median_house_value", "--target-unit", "USD", "--out-dir", out)

	if len(r.Splits) != 2 {
		t.Fatalf("%d splits, want the random split and the spatial repeat", len(r.Splits))
	}
	if r.Splits[0].ID != "random" || r.Splits[1].ID != "spatial" {
		t.Errorf("split IDs = %q, %q; want random, spatial", r.Splits[0].ID, r.Splits[1].ID)
	}
	if !strings.Contains(r.Splits[1].Description, "derived from the rows") {
		t.Errorf("spatial description %q does not say how the block edge was chosen", r.Splits[1].Description)
	}
	if r.Unit != "USD" || !strings.Contains(r.Command, "--target-unit USD") {
		t.Errorf("unit %q, command %q", r.Unit, r.Command)
	}
	for _, name := range []string{report.MarkdownFile, report.JSONFile, "spatial/" + pooledFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}

	for _, s := range r.Splits {
		t.Run(s.ID, func(t *testing.T) {
			keys := make([]string, len(s.Models))
			for i, m := range s.Models {
				keys[i] = m.Key
			}
			if want := []string{"hrm", "random-forest", "gradient-boosting"}; !slices.Equal(keys, want) {
				t.Errorf("models = %q, want %q", keys, want)
			}
			if s.TrainRows+s.ValidRows+s.TestRows != 825 {
				t.Errorf("rows %d+%d+%d, want 825 in all", s.TrainRows, s.ValidRows, s.TestRows)
			}
			// Every model file reproduces the table's numbers.
			for _, m := range s.Models {
				run := m.Runs[0]
				ev := evalJSON(t, filepath.Join(out, run.File), filepath.Join(out, s.TestFile))
				for _, metric := range []struct {
					name          string
					eval, compare float64
				}{{"R²", ev.R2, float64(run.R2)}, {"RMSE", ev.RMSE, float64(run.RMSE)}, {"MAE", ev.MAE, float64(run.MAE)}, {"rows", float64(ev.Rows), float64(run.Rows)}} {
					if metric.eval != metric.compare {
						t.Errorf("%s: eval gives %s %v, compare gave %v", m.Key, metric.name, metric.eval, metric.compare)
					}
				}
				if got := float64(m.Summary["r2"].Mean); got != float64(run.R2) {
					t.Errorf("%s: summary R² %v, run R² %v", m.Key, got, run.R2)
				}
				if run.FileBytes <= 0 {
					t.Errorf("%s: model file of %d bytes", m.Key, run.FileBytes)
				}
				if !(float64(run.FitSeconds) >= 0) {
					t.Errorf("%s: fit time %v s", m.Key, run.FitSeconds)
				}
				if !(float64(run.PredictMsPer1kRows) > 0) {
					t.Errorf("%s: prediction time %v ms", m.Key, run.PredictMsPer1kRows)
				}
			}
			hrm := s.Models[0]
			if len(hrm.Runs[0].History) != 2 {
				t.Errorf("HRM history has %d epochs, want 2", len(hrm.Runs[0].History))
			}
			if hrm.Runs[0].PonderSteps == nil {
				t.Error("HRM run has no ponder steps")
			}
			if len(s.Models[1].Importance) == 0 {
				t.Error("random forest has no feature importances")
			}
			// Every figure is a PNG, and each kind is there.
			for _, kind := range []string{"learning-curves-hrm", "predicted-vs-actual-hrm", "residual-map-gradient-boosting", "ponder-steps-hrm", "importance-random-forest"} {
				if !slices.ContainsFunc(s.Figures, func(f string) bool { return strings.Contains(f, kind) }) {
					t.Errorf("no %s figure in %q", kind, s.Figures)
				}
			}
			for _, f := range s.Figures {
				b, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Error(err)
					continue
				}
				if _, err := png.Decode(bytes.NewReader(b)); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}

	md, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Random split", "## Spatial split (", "| HRM |", "hrmg eval --model random/hrm-seed1.hrmg --data random/test.csv"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

func TestCompareAtlantaSkipsSpatialSplit(t *testing.T) {
	out := t.TempDir()
	args := append(append([]string{"compare"}, fastCompare...),
		"--data", atlantaDir+"train.csv", "--valid", atlantaDir+"valid.csv", "--test", atlantaDir+"test.csv",
		"--target", "y_log_density", "--id", "cb_2020_3", "--drop", atlantaLeaks, "--out-dir", out)
	code, stdout, stderr := runHrmg(t, args...)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}

	if !strings.HasPrefix(stdout, "file split: 1200 training, 150 validation, 150 test rows\n") {
		t.Errorf("stdout does not start with the file split's title:\n%s", stdout)
	}
	if strings.Contains(stdout, "spatial split (") {
		t.Errorf("stdout has a spatial table:\n%s", stdout)
	}
	const skipNote = "The spatial split was skipped: the table has no latitude and longitude columns"
	if !strings.Contains(stdout, "note: "+skipNote) {
		t.Errorf("stdout lacks the note %q:\n%s", skipNote, stdout)
	}

	md, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), skipNote) {
		t.Errorf("report.md lacks the note %q", skipNote)
	}
	if strings.Contains(string(md), "residual-map") {
		t.Error("report.md shows a residual map for a table without coordinates")
	}
	// The printed table's R² and RMSE are those hrmg eval gives for the
	// saved model on the saved test rows.
	for _, model := range []struct{ name, key string }{{"HRM", "hrm"}, {"random forest", "random-forest"}, {"gradient boosting", "gradient-boosting"}} {
		var row []string
		for line := range strings.Lines(stdout) {
			if fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t"); fields[0] == model.name {
				row = fields
			}
		}
		if len(row) != 7 {
			t.Errorf("stdout has no 7-field %s row:\n%s", model.name, stdout)
			continue
		}
		ev := evalJSON(t, filepath.Join(out, "files", model.key+"-seed1.hrmg"), filepath.Join(out, "files", testRowsFile))
		if got := strconv.FormatFloat(ev.R2, 'f', 4, 64); row[1] != got {
			t.Errorf("%s: table R² %s, eval %s", model.name, row[1], got)
		}
		if got := strconv.FormatFloat(ev.RMSE, 'g', 6, 64); row[2] != got {
			t.Errorf("%s: table RMSE %s, eval %s", model.name, row[2], got)
		}
	}
}

func TestCompareSeedsGiveMeanAndStd(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 40)
	r := runCompareJSON(t, "--data", slice, "--target", "median_house_value", "--seeds", "3", "--seed", "5",
		"--no-spatial", "--out-dir", filepath.Join(dir, "out"))
	if len(r.Splits) != 1 {
		t.Fatalf("%d splits with --no-spatial, want 1", len(r.Splits))
	}
	if !slices.Equal(r.Seeds, []uint64{5, 6, 7}) {
		t.Errorf("seeds = %v, want 5, 6, 7", r.Seeds)
	}
	for _, m := range r.Splits[0].Models {
		if len(m.Runs) != 3 {
			t.Fatalf("%s: %d runs, want 3", m.Key, len(m.Runs))
		}
		var r2 []float64
		files := map[string]bool{}
		for i, run := range m.Runs {
			if run.Seed != uint64(5+i) {
				t.Errorf("%s run %d has seed %d", m.Key, i, run.Seed)
			}
			r2 = append(r2, float64(run.R2))
			files[run.File] = true
		}
		if len(files) != 3 {
			t.Errorf("%s: runs share model files: %v", m.Key, files)
		}
		mean, std := metrics.MeanStd(r2)
		got := m.Summary["r2"]
		if math.Abs(float64(got.Mean)-mean) > 1e-12 {
			t.Errorf("%s: summary R² mean %v, want %v", m.Key, got.Mean, mean)
		}
		if math.Abs(float64(got.Std)-std) > 1e-12 {
			t.Errorf("%s: summary R² std %v, want %v", m.Key, got.Std, std)
		}
		if got.Runs != 3 {
			t.Errorf("%s: summary over %d runs, want 3", m.Key, got.Runs)
		}
		if m.Key == "random-forest" && std == 0 {
			t.Error("random forest R² is the same for every seed: the seed does not reach the bootstrap")
		}
	}
}

func TestCompareIsReproducible(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 50)
	var first report.JSONReport
	for i, out := range []string{"a", "b"} {
		r := runCompareJSON(t, "--data", slice, "--target", "median_house_value", "--out-dir", filepath.Join(dir, out), "--block-km", "50")
		if i == 0 {
			first = r
			continue
		}
		for k, s := range r.Splits {
			for j, m := range s.Models {
				a, b := first.Splits[k].Models[j].Runs[0], m.Runs[0]
				if a.R2 != b.R2 {
					t.Errorf("%s %s: R² %v then %v", s.ID, m.Key, a.R2, b.R2)
				}
				if !bytes.Equal(readFile(t, filepath.Join(dir, "a", a.File)), readFile(t, filepath.Join(dir, "b", b.File))) {
					t.Errorf("%s %s: model files differ between runs", s.ID, m.Key)
				}
			}
		}
	}
	if !strings.Contains(first.Splits[1].Name, "50 km") || !strings.Contains(first.Splits[1].Description, "set with --block-km") {
		t.Errorf("spatial split %q, %q: want 50 km blocks set with --block-km", first.Splits[1].Name, first.Splits[1].Description)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompareLoadedModel(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 40)
	modelPath := filepath.Join(dir, "hrm.hrmg")
	trainArgs := []string{"train", "--data", slice, "--target", "median_house_value", "--out", modelPath,
		"--hidden", "16", "--epochs", "2", "--batch", "64", "--halting", "none"}
	if code, _, stderr := runHrmg(t, trainArgs...); code != exitOK {
		t.Fatalf("train: exit status %d, stderr:\n%s", code, stderr)
	}

	out := filepath.Join(dir, "out")
	r := runCompareJSON(t, "--data", slice, "--target", "median_house_value", "--model", modelPath, "--out-dir", out, "--block-km", "50")
	main := r.Splits[0]
	hrm := main.Models[0]
	if !hrm.Loaded || hrm.Key != "hrm" {
		t.Fatalf("first model %+v, want the loaded HRM", hrm)
	}
	run := hrm.Runs[0]
	if !math.IsNaN(float64(run.FitSeconds)) {
		t.Errorf("loaded model fit seconds = %v, want null", run.FitSeconds)
	}
	if len(run.History) != 2 {
		t.Errorf("learning curve from the epoch log has %d epochs, want 2", len(run.History))
	}
	ev := evalJSON(t, modelPath, filepath.Join(out, main.TestFile))
	if ev.R2 != float64(run.R2) || ev.RMSE != float64(run.RMSE) {
		t.Errorf("eval of the original file: R² %v RMSE %v; compare gave %v %v", ev.R2, ev.RMSE, run.R2, run.RMSE)
	}
	spatial := r.Splits[1]
	if spatial.Models[0].Key == "hrm" {
		t.Error("the loaded HRM is scored on the spatial split, whose test rows it may have trained on")
	}
	if !slices.ContainsFunc(spatial.Notes, func(n string) bool { return strings.Contains(n, "No HRM on this split") }) {
		t.Errorf("spatial notes %q do not say why there is no HRM", spatial.Notes)
	}

	// A model trained on other columns is rejected before anything is fitted.
	code, _, stderr := runHrmg(t, append(append([]string{"compare"}, fastCompare...),
		"--data", slice, "--target", "median_house_value", "--model", modelPath, "--drop", "population", "--out-dir", filepath.Join(dir, "other"))...)
	if code != exitUsage {
		t.Errorf("other columns: exit status %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"was trained on the input columns", "population"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("other columns: stderr %q lacks %q", stderr, want)
		}
	}
}

func TestCompareRejects(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 100)
	forest := filepath.Join(dir, "trees")
	if code, _, stderr := runHrmg(t, "baselines", "--data", slice, "--target", "median_house_value", "--out-dir", forest, "--rf-trees", "2", "--gbm-trees", "2"); code != exitOK {
		t.Fatalf("baselines: %s", stderr)
	}
	base := []string{"compare", "--data", slice, "--target", "median_house_value", "--out-dir", filepath.Join(dir, "out")}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no target", []string{"compare", "--data", slice, "--out-dir", filepath.Join(dir, "out")}, exitUsage, "missing --data or --target"},
		{"zero seeds", append(slices.Clone(base), "--seeds", "0"), exitUsage, "invalid --seeds 0"},
		{"negative block", append(slices.Clone(base), "--block-km", "-5"), exitUsage, "invalid --block-km -5"},
		{"tree model", append(slices.Clone(base), "--model", filepath.Join(forest, forestFile)), exitUsage, "contains a random-forest model"},
		{"bad forest", append(slices.Clone(base), "--rf-trees", "0"), exitUsage, "invalid --rf-trees 0"},
		{"huge block", append(slices.Clone(base), "--block-km", "5000"), exitData, "use a smaller --block-km"},
		{"missing file", []string{"compare", "--data", filepath.Join(dir, "none.csv"), "--target", "y", "--out-dir", filepath.Join(dir, "out")}, exitData, "none.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runHrmg(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr %q", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
		})
	}
}

func TestWriteTablesCSVReadsBack(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.csv")
	content := "id,zip,x,label,y\n" +
		"a,02134,1.5,\"quoted, text\",10\n" +
		"b,90210,,\"say \"\"hi\"\"\",20\n" +
		"c,10001,1e-7,plain,30\n"
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	orig, err := data.ReadFile(src, data.ReadOptions{Categorical: []string{"zip"}})
	if err != nil {
		t.Fatal(err)
	}

	// Write the rows in another order, in two parts, and read them back.
	copyPath := filepath.Join(dir, "copy.csv")
	if err := writeTablesCSV(copyPath, orig.Subset([]int{2}), orig.Subset([]int{0, 1})); err != nil {
		t.Fatal(err)
	}
	back, err := data.ReadFile(copyPath, readBackOptions(orig))
	if err != nil {
		t.Fatal(err)
	}

	want := orig.Subset([]int{2, 0, 1})
	for _, col := range orig.Columns() {
		if back.Kind(col) != orig.Kind(col) {
			t.Errorf("column %s read back as %v, was %v", col, back.Kind(col), orig.Kind(col))
		}
		got, _ := back.Strings(col)
		exp, _ := want.Strings(col)
		if !slices.Equal(got, exp) {
			t.Errorf("column %s = %q, want %q", col, got, exp)
		}
	}
	if n, _ := back.Missing("x"); n != 1 {
		t.Errorf("x has %d missing cells, want 1", n)
	}
}

func TestBlockCandidates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pts.csv")
	// Corners 1° of latitude apart on one meridian: a diagonal of about
	// 111 km, so the largest edge tried is 10 km (below 11.1 km).
	var b strings.Builder
	b.WriteString("lat,lon,y\n")
	for i := range 20 {
		b.WriteString(strings.Join([]string{[]string{"40", "41"}[i%2], "-100", string(rune('0' + i%10))}, ",") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := data.Load(context.Background(), data.LoadOptions{Train: path, Select: data.Selection{Target: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := blockCandidates(s, "lat", "lon")
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{10, 5, 2, 1, 0.5, 0.2, 0.1}
	if !slices.Equal(got, want) {
		t.Errorf("candidates = %v, want %v", got, want)
	}
}

func TestOnceHandlerDropsRepeatedWarnings(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newOnceHandler(slog.NewTextHandler(&buf, nil)))
	split := log.With("split", "random")
	for range 2 {
		split.Warn("constant column dropped", "column", "a")
		split.Info("progress")
	}
	split.Warn("constant column dropped", "column", "b")
	log.With("split", "spatial").Warn("constant column dropped", "column", "a")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	warnings := 0
	for _, l := range lines {
		if strings.Contains(l, "level=WARN") {
			warnings++
		}
	}
	if warnings != 3 {
		t.Errorf("%d warnings logged, want 3 (a and b on random, a on spatial):\n%s", warnings, buf.String())
	}
	if got := strings.Count(buf.String(), "msg=progress"); got != 2 {
		t.Errorf("%d info lines, want both", got)
	}
}

func TestCompareMissingCoordinate(t *testing.T) {
	dir := t.TempDir()
	slice := californiaSlice(t, dir, 50)
	lines := strings.Split(string(readFile(t, slice)), "\n")
	fields := strings.Split(lines[4], ",")
	fields[1] = "" // latitude
	lines[4] = strings.Join(fields, ",")
	if err := os.WriteFile(slice, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}

	r := runCompareJSON(t, "--data", slice, "--target", "median_house_value", "--out-dir", filepath.Join(dir, "derived"))
	if len(r.Splits) != 1 {
		t.Errorf("%d splits, want the random split alone", len(r.Splits))
	}
	want := "The spatial split was skipped: " + slice + " line 5 has no latitude"
	if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], want) {
		t.Errorf("notes = %q, want one starting %q", r.Notes, want)
	}

	code, _, stderr := runHrmg(t, "compare", "--data", slice, "--target", "median_house_value", "--block-km", "50", "--out-dir", filepath.Join(dir, "given"))
	if code != exitData {
		t.Errorf("with --block-km: exit status %d, want %d", code, exitData)
	}
	if !strings.Contains(stderr, "line 5 has no latitude") {
		t.Errorf("with --block-km: stderr %q does not name line 5", stderr)
	}
}
