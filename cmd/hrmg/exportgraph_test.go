package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
)

// requireDot returns the path of Graphviz's dot. It skips the test when dot
// is missing, unless HRMG_REQUIRE_DOT=1 (as in CI), where it fails.
func requireDot(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("dot")
	if err == nil {
		return path
	}
	if os.Getenv("HRMG_REQUIRE_DOT") == "1" {
		tb.Fatalf("Graphviz's dot is not in PATH and HRMG_REQUIRE_DOT=1: %v", err)
	}
	tb.Skip("Graphviz's dot is not in PATH: skipping the render check (set HRMG_REQUIRE_DOT=1 to fail instead)")
	return ""
}

// renderSVG runs dot -Tsvg on src and fails the test unless dot exits 0
// with nothing on stderr.
func renderSVG(t *testing.T, src string) string {
	t.Helper()
	cmd := exec.Command(requireDot(t), "-Tsvg")
	cmd.Stdin = strings.NewReader(src)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot -Tsvg: %v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("dot -Tsvg wrote to stderr: %s", stderr.String())
	}
	return out.String()
}

func TestExportGraphDefault(t *testing.T) {
	code, first, stderr := runHrmg(t, "export-graph")
	if code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	for _, want := range []string{
		"digraph hrmg {",
		`label="input encoder"`, `label="L module (low level)"`, `label="H module (high level)"`,
		`label="plan: z_H steers the L module"`, `label="output head"`, `label="halting"`,
		`data/x\ninput\n(B, 14)\nfeatures: f1, f2,`,
		`hrm/L/gru/W\nparameter\n(128, 384)`,
		`hrm/L/c4t2/h\nGRUStep\n(B, 128)`,
	} {
		if !strings.Contains(first, want) {
			t.Errorf("DOT lacks %q", want)
		}
	}
	if strings.Contains(first, "0x") {
		t.Error("DOT holds a pointer-like 0x id")
	}
	_, second, _ := runHrmg(t, "export-graph")
	if first != second {
		t.Error("two exports of the default model differ")
	}
}

func TestExportGraphRenders(t *testing.T) {
	cases := [][]string{
		{},
		{"--halting", "none"},
		{"--halting", "ponder", "--input", "plr", "--max-cycles", "4"},
		{"--halting", "none", "--with-gradients", "--hidden", "8"},
	}
	for _, args := range cases {
		t.Run(strings.Join(append([]string{"default"}, args...), " "), func(t *testing.T) {
			code, dot, stderr := runHrmg(t, append([]string{"export-graph"}, args...)...)
			if code != exitOK {
				t.Fatalf("exit status %d: %s", code, stderr)
			}
			if !strings.HasPrefix(renderSVG(t, dot), "<?xml") {
				t.Error("dot output is not SVG")
			}
		})
	}
}

// specialNames returns the feature columns of the test table whose header
// holds quotes, a trailing backslash, <>, a colon and UTF-8.
func specialNames(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "special-names.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range header {
		if h != "target" {
			names = append(names, h)
		}
	}
	return names
}

// saveModel saves a small HRM for features with prep as its preprocessing
// JSON and returns the file's path.
func saveModel(t *testing.T, features []string, prep any) string {
	t.Helper()
	cfg := model.DefaultConfig()
	cfg.Hidden = 8
	cfg.MaxCycles = 3
	m, err := model.New(cfg, features, 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(prep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.hrmg")
	if err := model.Save(path, m, raw, modelfile.Metadata{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportGraphSpecialNames(t *testing.T) {
	names := specialNames(t)
	if len(names) != 8 {
		t.Fatalf("test table has %d features, want 8: %q", len(names), names)
	}
	path := saveModel(t, names, map[string]any{"features": names})
	code, dot, stderr := runHrmg(t, "export-graph", "--model", path)
	if code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	for _, want := range []string{
		`elevation (m),`, `ndvi:mean,`, `soil \"class\",`, `band<A00>,`, `aspect\\,`, `température`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks the escaped name %q", want)
		}
	}
	svg := renderSVG(t, dot)
	for _, want := range []string{`soil &quot;class&quot;`, `band&lt;A00&gt;`, `aspect\,`, `température`, `ndvi:mean`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestExportGraphFeatureNamesSource(t *testing.T) {
	own := []string{"a", "b", "c"}
	cases := []struct {
		name string
		prep any
		want string
	}{
		{"preprocessor list", map[string]any{"features": []string{"lon", "lat", "elev"}}, "features: lon, lat, elev"},
		{"list of another length", map[string]any{"features": []string{"lon"}}, "features: a, b, c"},
		{"no list", map[string]any{"target": "y"}, "features: a, b, c"},
		{"not an object", []int{1, 2}, "features: a, b, c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, dot, stderr := runHrmg(t, "export-graph", "--model", saveModel(t, own, c.prep))
			if code != exitOK {
				t.Fatalf("exit status %d: %s", code, stderr)
			}
			if !strings.Contains(dot, c.want) {
				t.Errorf("DOT lacks %q", c.want)
			}
		})
	}
}

func TestExportGraphFormats(t *testing.T) {
	requireDot(t)
	dir := t.TempDir()
	cases := []struct {
		args  []string
		file  string
		magic string
	}{
		{[]string{"--out", filepath.Join(dir, "g.svg")}, "g.svg", "<?xml"},
		{[]string{"--out", filepath.Join(dir, "g.png")}, "g.png", "\x89PNG"},
		{[]string{"--out", filepath.Join(dir, "g.gv")}, "g.gv", "digraph"},
		{[]string{"--out", filepath.Join(dir, "image"), "--format", "png"}, "image", "\x89PNG"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			args := append([]string{"export-graph", "--halting", "none"}, c.args...)
			if code, _, stderr := runHrmg(t, args...); code != exitOK {
				t.Fatalf("exit status %d: %s", code, stderr)
			}
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(c.magic)) {
				t.Errorf("%s starts with %q, want %q", c.file, data[:min(8, len(data))], c.magic)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(cases) {
		t.Errorf("directory holds %d files, want %d: a temporary file was left", len(entries), len(cases))
	}
}

func TestExportGraphWithoutDot(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "g.svg")
	code, _, stderr := runHrmg(t, "export-graph", "--out", out)
	if code != exitFailure {
		t.Errorf("exit status %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr, "install Graphviz") || !strings.Contains(stderr, "--format dot") {
		t.Errorf("stderr %q does not say how to install Graphviz", stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
		t.Errorf("stderr has %d lines, want one", n+1)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written", out)
	}
}

func TestExportGraphRejects(t *testing.T) {
	dir := t.TempDir()
	notModel := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(notModel, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := saveModel(t, []string{"a"}, nil)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"model and hidden", []string{"--model", model, "--hidden", "64"}, exitUsage, "--model and --hidden"},
		{"bad format", []string{"--format", "jpg"}, exitUsage, `"jpg"`},
		{"bad halting", []string{"--halting", "maybe"}, exitUsage, "halting"},
		{"zero hidden", []string{"--hidden", "0"}, exitUsage, "hidden = 0"},
		{"zero features", []string{"--features", "0"}, exitUsage, "--features 0"},
		{"missing model", []string{"--model", filepath.Join(dir, "none.hrmg")}, exitData, "none.hrmg"},
		{"csv as model", []string{"--model", notModel}, exitData, "not an hrmg model file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runHrmg(t, append([]string{"export-graph"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit status %d, want %d (%s)", code, c.code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q lacks %q", stderr, c.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one", n+1)
			}
			if stdout != "" {
				t.Errorf("stdout holds %d bytes", len(stdout))
			}
		})
	}
}

// BenchmarkExportGraphRender times dot -Tsvg on the default export, which
// must stay well under 5 seconds.
func BenchmarkExportGraphRender(b *testing.B) {
	dotPath := requireDot(b)
	var src bytes.Buffer
	if code := run(b.Context(), []string{"hrmg", "export-graph"}, strings.NewReader(""), &src, &bytes.Buffer{}); code != exitOK {
		b.Fatalf("export-graph exit status %d", code)
	}
	for range b.N {
		cmd := exec.Command(dotPath, "-Tsvg", "-o", os.DevNull)
		cmd.Stdin = bytes.NewReader(src.Bytes())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("dot: %v: %s", err, out)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/render")
}
