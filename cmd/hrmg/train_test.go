package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const casesDir = "../../data/testdata/"

// fastHRM are flags for a small HRM that trains in well under a second.
var fastHRM = []string{"--hidden", "16", "--epochs", "3", "--batch", "32", "--lr", "0.003"}

// scoreLine returns the fields of the printScores line for split.
func scoreLine(t *testing.T, stdout, split string) []string {
	t.Helper()
	for line := range strings.Lines(stdout) {
		f := strings.Fields(line)
		if len(f) >= 6 && f[1] == split {
			return f
		}
	}
	t.Fatalf("no %s line in output:\n%s", split, stdout)
	return nil
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// trainAtlantaSlice trains a small HRM on the first rows of the bundled
// Atlanta split and returns the model path and train's stdout.
func trainAtlantaSlice(t *testing.T, dir string, extra ...string) (string, string) {
	t.Helper()
	out := filepath.Join(dir, "atl.hrmg")
	args := append([]string{"train",
		"--data", atlantaDir + "train.csv", "--valid", atlantaDir + "valid.csv", "--test", atlantaDir + "test.csv",
		"--target", "y_log_density", "--id", "cb_2020_3", "--drop", atlantaLeaks,
		"--out", out}, fastHRM...)
	code, stdout, stderr := runHrmg(t, append(args, extra...)...)
	if code != exitOK {
		t.Fatalf("train: exit status %d, stderr:\n%s", code, stderr)
	}
	return out, stdout
}

func TestTrainEvalPredictAgree(t *testing.T) {
	dir := t.TempDir()
	modelPath, stdout := trainAtlantaSlice(t, dir, "--halting", "act", "--max-cycles", "3")
	test := scoreLine(t, stdout, "test")
	if test[2] != "150" {
		t.Errorf("test rows = %s, want 150", test[2])
	}

	code, evalOut, stderr := runHrmg(t, "eval", "--model", modelPath, "--data", atlantaDir+"test.csv", "--json")
	if code != exitOK {
		t.Fatalf("eval: exit status %d, stderr:\n%s", code, stderr)
	}
	var report evalReport
	if err := json.Unmarshal([]byte(evalOut), &report); err != nil {
		t.Fatalf("eval --json output: %v\n%s", err, evalOut)
	}
	if report.R2 == nil {
		t.Fatalf("eval --json gave no R²:\n%s", evalOut)
	}
	if got := strconv.FormatFloat(*report.R2, 'f', 4, 64); got != test[3] {
		t.Errorf("eval R² = %s, train printed %s", got, test[3])
	}
	if report.Rows != 150 {
		t.Errorf("eval rows = %d, want 150", report.Rows)
	}
	if report.PonderSteps == nil || report.PonderSteps.Mean < 1 || report.PonderSteps.Mean > 3 {
		t.Errorf("ponder steps = %+v, want a mean between 1 and 3", report.PonderSteps)
	}

	predPath := filepath.Join(dir, "pred.csv")
	code, _, stderr = runHrmg(t, "predict", "--model", modelPath, "--data", atlantaDir+"test.csv", "--out", predPath)
	if code != exitOK {
		t.Fatalf("predict: exit status %d, stderr:\n%s", code, stderr)
	}
	f, err := os.Open(predPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(records[0], ","); got != "cb_2020_3,prediction,ponder_steps" {
		t.Errorf("header = %s", got)
	}
	if len(records) != 151 {
		t.Fatalf("predictions file has %d lines, want 151", len(records))
	}
	if !strings.HasPrefix(records[1][0], "1400000US") {
		t.Errorf("first id = %q, want a tract GEOID", records[1][0])
	}

	// The predictions in the file give eval's RMSE against the test targets.
	truth := readColumn(t, atlantaDir+"test.csv", "y_log_density")
	var ss float64
	for i, r := range records[1:] {
		p, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		ss += (p - truth[i]) * (p - truth[i])
	}
	rmse := math.Sqrt(ss / float64(len(truth)))
	if math.Abs(rmse-report.RMSE) > 1e-6*report.RMSE {
		t.Errorf("RMSE of predict's file = %v, eval reported %v", rmse, report.RMSE)
	}
}

// readColumn returns a numeric column of a CSV file.
func readColumn(t *testing.T, path, name string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range records[0] {
		if h == name {
			col = i
		}
	}
	var out []float64
	for _, r := range records[1:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestTrainIsReproducible(t *testing.T) {
	dir := t.TempDir()
	a, outA := trainAtlantaSlice(t, filepath.Join(dir))
	sumA := fileSum(t, a)
	b, outB := trainAtlantaSlice(t, dir)
	if fileSum(t, b) != sumA {
		t.Error("two runs with the same seed wrote different model files")
	}
	if outA != outB {
		t.Errorf("two runs printed different scores:\n%s\n%s", outA, outB)
	}
}

func TestTrainCRLFAndLFGiveTheSameModel(t *testing.T) {
	dir := t.TempDir()
	var sums [][32]byte
	for _, name := range []string{"train-crlf.csv", "train-lf.csv"} {
		out := filepath.Join(dir, name+".hrmg")
		args := append([]string{"train", "--data", casesDir + "crlf-line-endings/" + name, "--target", "target", "--out", out}, fastHRM...)
		code, _, stderr := runHrmg(t, args...)
		if code != exitOK {
			t.Fatalf("%s: exit status %d, stderr:\n%s", name, code, stderr)
		}
		sums = append(sums, fileSum(t, out))
	}
	if sums[0] != sums[1] {
		t.Error("CRLF and LF copies of one table gave different model files")
	}
}

func TestTrainOnBOMFilePredictsPlainFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "bom.hrmg")
	args := append([]string{"train", "--data", casesDir + "utf8-bom-header/train.csv", "--target", "target", "--out", out}, fastHRM...)
	if code, _, stderr := runHrmg(t, args...); code != exitOK {
		t.Fatalf("train: exit status %d, stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := runHrmg(t, "predict", "--model", out, "--data", casesDir+"utf8-bom-header/predict.csv")
	if code != exitOK {
		t.Fatalf("predict: exit status %d, stderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 6 {
		t.Errorf("predict wrote %d lines, want a header and 5 rows:\n%s", len(lines), stdout)
	}
}

func TestPredictWarnsOnUnseenCategory(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cat.hrmg")
	args := append([]string{"train", "--data", casesDir + "unseen-category-at-predict/train.csv", "--target", "target", "--out", out}, fastHRM...)
	if code, _, stderr := runHrmg(t, args...); code != exitOK {
		t.Fatalf("train: exit status %d, stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := runHrmg(t, "predict", "--model", out, "--data", casesDir+"unseen-category-at-predict/predict.csv")
	if code != exitOK {
		t.Fatalf("predict: exit status %d, stderr:\n%s", code, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stdout), "\n"); n != 6 {
		t.Errorf("predict wrote %d rows, want 6", n)
	}
	for _, want := range []string{"predict.csv", "line=4", "column=landcover", "value=wetland"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestTrainNaNLeavesModelFileUntouched(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.hrmg")
	data := []string{"train", "--data", "testdata/nan-loss/train.csv", "--target", "target", "--out", out}
	if code, _, stderr := runHrmg(t, append(data, fastHRM...)...); code != exitOK {
		t.Fatalf("first run: exit status %d, stderr:\n%s", code, stderr)
	}
	before := fileSum(t, out)
	logPath := filepath.Join(dir, "m.epochs.jsonl")
	logBefore := fileSum(t, logPath)

	// lr·wd = 100 makes every decay step multiply the weights by −99, so
	// they overflow whatever the gradients do.
	code, _, stderr := runHrmg(t, append(data, "--hidden", "16", "--epochs", "40", "--lr", "1000", "--clip", "0", "--weight-decay", "0.1")...)
	if code != exitDiverged {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", code, exitDiverged, stderr)
	}
	for _, want := range []string{"epoch ", "batch ", "lower the learning rate"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if fileSum(t, out) != before {
		t.Error("the model file changed after a run that diverged")
	}
	if fileSum(t, logPath) != logBefore {
		t.Error("the epoch log of the model changed after a run that diverged")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "m.hrmg" && e.Name() != "m.epochs.jsonl" {
			t.Errorf("file %s left beside the model", e.Name())
		}
	}
}

func TestTrainHighLearningRateClippedStaysFinite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.hrmg")
	code, _, stderr := runHrmg(t, "train", "--data", "testdata/nan-loss/train.csv", "--target", "target", "--out", out,
		"--hidden", "16", "--epochs", "5", "--lr", "1000", "--clip", "0")
	switch code {
	case exitOK:
		code, stdout, stderr := runHrmg(t, "predict", "--model", out, "--data", "testdata/nan-loss/train.csv")
		if code != exitOK {
			t.Fatalf("predict: exit status %d, stderr:\n%s", code, stderr)
		}
		if strings.Contains(stdout, "NaN") || strings.Contains(stdout, "Inf") {
			t.Errorf("predictions are not finite:\n%s", stdout)
		}
	case exitDiverged:
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a diverged run wrote %s", out)
		}
	default:
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
}

func TestTrainWritesEpochLog(t *testing.T) {
	dir := t.TempDir()
	trainAtlantaSlice(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, "atl.epochs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != 3 {
		t.Fatalf("epoch log has %d lines, want 3", len(lines))
	}
	var first map[string]any
	if err := json.Unmarshal(lines[0], &first); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"epoch", "train_loss", "valid_rmse", "valid_r2", "ponder_steps", "lr", "grad_norm", "seconds"} {
		if _, ok := first[key]; !ok {
			t.Errorf("epoch record lacks %q: %s", key, lines[0])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "atl.hrmg.ckpt")); !os.IsNotExist(err) {
		t.Error("the checkpoint is left after a finished run")
	}
}

func TestTrainRejectsBadFlags(t *testing.T) {
	base := []string{"train", "--data", casesDir + "crlf-line-endings/train-lf.csv", "--target", "target", "--out", filepath.Join(t.TempDir(), "m.hrmg")}
	cases := []struct {
		flags []string
		want  string
	}{
		{[]string{"--lr", "-1"}, "learning rate"},
		{[]string{"--epochs", "0"}, "epochs"},
		{[]string{"--halting", "sometimes"}, "halting"},
		{[]string{"--scale", "minmax"}, "--scale"},
		{[]string{"--threads", "-2"}, "--threads"},
		{[]string{"--resume"}, "checkpoint"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			code, _, stderr := runHrmg(t, append(base, c.flags...)...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr: %s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q lacks %q", stderr, c.want)
			}
		})
	}
}

func TestEvalRejectsCheckpointAndNonModel(t *testing.T) {
	code, _, stderr := runHrmg(t, "eval", "--model", casesDir+"crlf-line-endings/train-lf.csv", "--data", casesDir+"crlf-line-endings/train-lf.csv")
	if code != exitData || !strings.Contains(stderr, "not an hrmg model file") {
		t.Errorf("CSV as model: exit status %d, stderr %q", code, stderr)
	}
}

func TestEvalOneRowReportsUndefinedR2(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.hrmg")
	args := append([]string{"train", "--data", casesDir + "crlf-line-endings/train-lf.csv", "--target", "target", "--out", out}, fastHRM...)
	if code, _, stderr := runHrmg(t, args...); code != exitOK {
		t.Fatalf("train: exit status %d, stderr:\n%s", code, stderr)
	}
	one := writeFile(t, "one.csv", "lon,lat,elevation,A00,A01,A02,A03,target\n12.8162,48.4196,181.4,-0.1700,-0.0380,0.0349,-0.1646,30.18\n")

	code, stdout, stderr := runHrmg(t, "eval", "--model", out, "--data", one, "--json")
	if code != exitOK {
		t.Fatalf("eval --json: exit status %d, stderr:\n%s", code, stderr)
	}
	var report map[string]any
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("eval --json output: %v\n%s", err, stdout)
	}
	if r2, ok := report["r2"]; !ok || r2 != nil {
		t.Errorf("r2 = %v, want null", r2)
	}
	if rmse, ok := report["rmse"].(float64); !ok || !(rmse >= 0) {
		t.Errorf("rmse = %v, want a number", report["rmse"])
	}

	code, stdout, _ = runHrmg(t, "eval", "--model", out, "--data", one)
	if code != exitOK || !strings.Contains(stdout, "undefined") {
		t.Errorf("eval: exit status %d, output:\n%s", code, stdout)
	}
}

func TestTrainWarnsAboutUnusedModelFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.hrmg")
	args := append([]string{"train", "--data", casesDir + "crlf-line-endings/train-lf.csv", "--target", "target", "--out", out,
		"--halting", "act", "--ponder-prior", "0.5", "--plr-sigma", "2"}, fastHRM...)
	code, _, stderr := runHrmg(t, args...)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"--ponder-prior has no effect with --halting act", "--plr-sigma has no effect with --input linear"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
