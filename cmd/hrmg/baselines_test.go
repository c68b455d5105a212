package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/modelfile"
)

// atlantaArgs runs hrmg baselines on the bundled Atlanta split with small
// ensembles, writing to dir.
func atlantaArgs(dir string, extra ...string) []string {
	root := filepath.Join("..", "..", "datasets", "atlanta-alphaearth")
	args := []string{
		"baselines",
		"--data", filepath.Join(root, "train.csv"),
		"--valid", filepath.Join(root, "valid.csv"),
		"--test", filepath.Join(root, "test.csv"),
		"--target", "y_log_density",
		"--drop", "cb_2020_3,B01003_001E,tract_area_sqkm,population_density",
		"--out-dir", dir,
		"--rf-trees", "10",
		"--gbm-trees", "60",
	}
	return append(args, extra...)
}

func TestBaselinesEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models")
	code, stdout, stderr := runHrmg(t, atlantaArgs(dir, "--importance", "2")...)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}

	// Not a terminal, so tab-separated.
	lines := strings.Split(stdout, "\n")
	if want := "model\ttest R²\tRMSE\tMAE\tfit s\tpredict ms/1k rows\ttrees"; lines[0] != want {
		t.Errorf("header = %q, want %q", lines[0], want)
	}
	for i, name := range []string{"random forest", "gradient boosting"} {
		fields := strings.Split(lines[1+i], "\t")
		if len(fields) != 7 || fields[0] != name {
			t.Fatalf("line %d = %q, want 7 fields for %s", 2+i, lines[1+i], name)
		}
		r2, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || r2 < 0.85 || r2 > 1 {
			t.Errorf("%s: test R² %q, want a number in [0.85, 1] (scikit-learn reaches 0.92 here)", name, fields[1])
		}
		for j, f := range fields[2:] {
			if v, err := strconv.ParseFloat(f, 64); err != nil || v < 0 {
				t.Errorf("%s: field %d = %q, want a non-negative number", name, 3+j, f)
			}
		}
	}
	if fields := strings.Split(lines[1], "\t"); fields[6] != "10" {
		t.Errorf("forest trees = %s, want 10", fields[6])
	}
	for _, title := range []string{"random forest: features by drop in test R²", "gradient boosting: features by drop in test R²"} {
		if !strings.Contains(stdout, title) {
			t.Errorf("stdout lacks %q:\n%s", title, stdout)
		}
	}
	if n := strings.Count(stdout, "feature\tR² drop\tstd\timpurity share\n"); n != 2 {
		t.Errorf("%d importance headers, want 2:\n%s", n, stdout)
	}
	// The table's 3 lines, then per model a blank line, a title, a header
	// and 2 features; the final newline leaves an empty last element.
	if n := len(lines); n != 3+2*5+1 {
		t.Errorf("stdout splits into %d lines, want %d:\n%s", n, 3+2*5+1, stdout)
	}
	if strings.Contains(stderr, "level=ERROR") {
		t.Errorf("stderr has an error line:\n%s", stderr)
	}
	if !strings.Contains(stderr, `msg="saved model"`) {
		t.Errorf("stderr does not log the saved models:\n%s", stderr)
	}

	// Each saved model predicts the test file through its own stored
	// preprocessing, as hrmg predict would, and reproduces the printed R².
	for i, file := range []string{forestFile, gbmFile} {
		f, err := modelfile.Read(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := baselines.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		var prep data.Preprocessor
		if err := json.Unmarshal(f.Preprocessor, &prep); err != nil {
			t.Fatal(err)
		}
		table, err := data.ReadFile(filepath.Join("..", "..", "datasets", "atlanta-alphaearth", "test.csv"), data.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		frame, _, err := prep.Transform(table)
		if err != nil {
			t.Fatal(err)
		}
		pred := make([]float64, frame.X.Rows)
		m.Predict(frame.X, pred)
		for j, v := range pred {
			pred[j] = prep.TargetFromModel(v)
		}
		s, err := metrics.Score(frame.Y, pred)
		if err != nil {
			t.Fatal(err)
		}
		printed := strings.Split(lines[1+i], "\t")[1]
		if got := strconv.FormatFloat(s.R2, 'f', 4, 64); got != printed {
			t.Errorf("%s: R² from the saved model %s, printed %s", file, got, printed)
		}
		if f.Metadata.Metrics["test_r2"] != s.R2 {
			t.Errorf("%s: stored test_r2 %v, want %v", file, f.Metadata.Metrics["test_r2"], s.R2)
		}
		if f.Metadata.DataFingerprint == "" {
			t.Errorf("%s: no data fingerprint stored", file)
		}
	}
}

func TestBaselinesSameSeedSameFiles(t *testing.T) {
	run := func(args ...string) map[string][]byte {
		t.Helper()
		dir := t.TempDir()
		if code, _, stderr := runHrmg(t, atlantaArgs(dir, args...)...); code != exitOK {
			t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
		}
		files := map[string][]byte{}
		for _, name := range []string{forestFile, gbmFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		}
		return files
	}
	one := run("--threads", "1")
	two := run("--threads", "2")
	reseeded := run("--seed", "2", "--threads", "2")
	for _, name := range []string{forestFile, gbmFile} {
		if !bytes.Equal(one[name], two[name]) {
			t.Errorf("%s differs between --threads 1 and 2", name)
		}
		if bytes.Equal(one[name], reseeded[name]) {
			t.Errorf("%s is the same for --seed 1 and 2", name)
		}
	}
}

func TestBaselinesPresetAndOverrides(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runHrmg(t, atlantaArgs(dir, "--gbm-preset", "sklearn", "--gbm-trees", "7", "--rf-max-depth", "4", "--rf-min-samples-leaf", "3")...)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}

	read := func(file string) baselines.Regressor {
		f, err := modelfile.Read(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := baselines.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	gbm := read(gbmFile).(*baselines.GBM)
	want := baselines.SklearnGBMConfig()
	want.Trees = 7
	want.Seed = 1
	if gbm.Config != want {
		t.Errorf("boosting config = %+v, want scikit-learn's defaults with 7 trees: %+v", gbm.Config, want)
	}
	if len(gbm.Trees) != 7 {
		t.Errorf("%d boosted trees, want 7", len(gbm.Trees))
	}

	forest := read(forestFile).(*baselines.Forest)
	if forest.Config.MaxDepth != 4 || forest.Config.MinSamplesLeaf != 3 || forest.Config.Trees != 10 {
		t.Errorf("forest config = %+v, want depth 4, 3 rows per leaf, 10 trees", forest.Config)
	}
}

func TestBaselinesRejectsBadHyperparameters(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--rf-trees", "0"}, "invalid --rf-trees 0: must be an integer >= 1"},
		{[]string{"--rf-max-features", "1.5"}, "invalid --rf-max-features 1.5: must be a fraction in (0, 1]"},
		{[]string{"--rf-max-depth", "-1"}, "invalid --rf-max-depth -1"},
		{[]string{"--rf-min-samples-leaf", "0"}, "invalid --rf-min-samples-leaf 0"},
		{[]string{"--gbm-learning-rate", "0"}, "invalid --gbm-learning-rate 0: must be in (0, 1]"},
		{[]string{"--gbm-max-bins", "256"}, "invalid --gbm-max-bins 256: must be an integer from 2 to 255"},
		{[]string{"--gbm-subsample", "1.2"}, "invalid --gbm-subsample 1.2"},
		{[]string{"--gbm-colsample", "0"}, "invalid --gbm-colsample 0"},
		{[]string{"--gbm-max-leaves", "1"}, "invalid --gbm-max-leaves 1: must be 0 (unlimited) or an integer >= 2"},
		{[]string{"--gbm-l2", "-0.5"}, "invalid --gbm-l2 -0.5"},
		{[]string{"--gbm-early-stopping", "-1"}, "invalid --gbm-early-stopping -1"},
		{[]string{"--gbm-splitter", "approx"}, `invalid --gbm-splitter "approx": must be "hist" or "exact"`},
		{[]string{"--gbm-preset", "xgboost"}, `invalid --gbm-preset "xgboost": use tuned or sklearn`},
		{[]string{"--gbm-trees", "0"}, "invalid --gbm-trees 0"},
		{[]string{"--gbm-max-depth", "-2"}, "invalid --gbm-max-depth -2"},
		{[]string{"--gbm-min-samples-leaf", "0"}, "invalid --gbm-min-samples-leaf 0"},
		{[]string{"--threads", "-1"}, "invalid --threads -1"},
		{[]string{"--importance", "-1"}, "invalid --importance -1"},
		{[]string{"--rf-trees", "many"}, `invalid value "many" for flag -rf-trees`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "models")
			code, stdout, stderr := runHrmg(t, atlantaArgs(dir, c.args...)...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if got := strings.TrimSpace(stderr); !strings.HasPrefix(got, "hrmg: "+c.want) {
				t.Errorf("stderr = %q, want it to start with %q", got, "hrmg: "+c.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one", n+1)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("--out-dir was created for a rejected command line")
			}
		})
	}
}

func TestBaselinesDataErrors(t *testing.T) {
	dir := t.TempDir()
	stray := filepath.Join(dir, "stray.csv")
	var b strings.Builder
	b.WriteString("lon,lat,elevation,target\n")
	for i := range 20 {
		elev := strconv.Itoa(1000 + 10*i)
		if i == 12 {
			elev = "1240m"
		}
		b.WriteString("6.1," + strconv.Itoa(45+i) + "," + elev + "," + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(stray, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(dir, "clean.csv")
	if err := os.WriteFile(clean, []byte(strings.Replace(b.String(), "1240m", "1240", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing --data", []string{"baselines", "--target", "y"}, exitUsage, []string{"missing --data FILE"}},
		{"missing --target", []string{"baselines", "--data", stray}, exitUsage, []string{"missing --target COLUMN"}},
		{"file not found", []string{"baselines", "--data", filepath.Join(dir, "none.csv"), "--target", "target"}, exitData, []string{"none.csv", "no such file"}},
		{"stray text in a numeric column", []string{"baselines", "--data", stray, "--target", "target"}, exitData, []string{"stray.csv", "line 14", "elevation", "1240m"}},
		{"unknown target", []string{"baselines", "--data", clean, "--target", "height"}, exitData, []string{"clean.csv", "height"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runHrmg(t, append(c.args, "--out-dir", filepath.Join(dir, "out"))...)
			if code != c.code {
				t.Errorf("exit status %d, want %d; stderr %q", code, c.code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q, want it to contain %q", stderr, w)
				}
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	rows := [][]string{{"model", "test R²"}, {"random forest", "0.8101"}}
	for _, c := range []struct {
		aligned bool
		want    string
	}{
		{false, "model\ttest R²\nrandom forest\t0.8101\n"},
		{true, "model          test R²\nrandom forest  0.8101\n"},
	} {
		var out bytes.Buffer
		if err := writeTable(&out, c.aligned, rows); err != nil {
			t.Fatal(err)
		}
		if out.String() != c.want {
			t.Errorf("aligned %v: got %q, want %q", c.aligned, out.String(), c.want)
		}
	}
}
