package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	californiaDir = "../../datasets/california-housing/"
	atlantaDir    = "../../datasets/atlanta-alphaearth/"
	atlantaLeaks  = "B01003_001E,tract_area_sqkm,population_density"
)

// tsvRows returns the tab-separated fields of each output line that starts
// with the given first field.
func tsvRows(stdout, first string) [][]string {
	var rows [][]string
	for line := range strings.Lines(stdout) {
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if fields[0] == first {
			rows = append(rows, fields)
		}
	}
	return rows
}

// field returns field i of the only line starting with first, or "".
func field(t *testing.T, stdout, first string, i int) string {
	t.Helper()
	rows := tsvRows(stdout, first)
	if len(rows) != 1 || len(rows[0]) <= i {
		t.Errorf("output has %d lines starting with %q, want one with field %d:\n%s", len(rows), first, i, stdout)
		return ""
	}
	return rows[0][i]
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDescribeCaliforniaFiles(t *testing.T) {
	code, stdout, stderr := runHrmg(t, "describe",
		"--data", californiaDir+"train.csv", "--valid", californiaDir+"valid.csv", "--test", californiaDir+"test.csv",
		"--target", "median_house_value")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
	for part, rows := range map[string]string{"train": "16512", "valid": "2064", "test": "2064"} {
		if got := field(t, stdout, part, 1); got != rows {
			t.Errorf("%s rows = %q, want %s", part, got, rows)
		}
	}
	if got := field(t, stdout, "total_bedrooms", 3); got != "170/22/15" {
		t.Errorf("total_bedrooms missing = %q, want 170/22/15", got)
	}
	ocean := tsvRows(stdout, "ocean_proximity")
	if len(ocean) != 1 || ocean[0][2] != "categorical" || ocean[0][4] != "5" || !strings.Contains(ocean[0][5], "ISLAND") {
		t.Errorf("ocean_proximity line = %q, want a categorical column with 5 categories", ocean)
	}
	if got := field(t, stdout, "median_house_value", 1); got != "target" {
		t.Errorf("median_house_value role = %q, want target", got)
	}
	if got := field(t, stdout, "model inputs", 1); got != "14 (8 numeric, 1 missing indicator, 5 one-hot)" {
		t.Errorf("model inputs = %q", got)
	}
	if got := field(t, stdout, "split", 1); got != "separate files" {
		t.Errorf("split = %q", got)
	}
}

func TestDescribeAtlantaRandomSplit(t *testing.T) {
	code, stdout, stderr := runHrmg(t, "describe", "--data", atlantaDir+"tracts.csv", "--target", "y_log_density",
		"--id", "cb_2020_3", "--drop", atlantaLeaks)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	for part, rows := range map[string]string{"train": "1200", "valid": "150", "test": "150"} {
		if got := field(t, stdout, part, 1); got != rows {
			t.Errorf("%s rows = %q, want %s", part, got, rows)
		}
	}
	if got := field(t, stdout, "model inputs", 1); got != "65 (65 numeric, 0 missing indicators, 0 one-hot)" {
		t.Errorf("model inputs = %q", got)
	}
	if got := field(t, stdout, "cb_2020_3", 1); got != "id" {
		t.Errorf("cb_2020_3 role = %q, want id", got)
	}
	if got := field(t, stdout, "population_density", 1); got != "dropped" {
		t.Errorf("population_density role = %q, want dropped", got)
	}
}

func TestDescribeReportsIDLikeColumn(t *testing.T) {
	code, stdout, stderr := runHrmg(t, "describe", "--data", atlantaDir+"train.csv", "--target", "y_log_density", "--drop", atlantaLeaks)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "column=cb_2020_3") || !strings.Contains(stderr, "--id cb_2020_3") {
		t.Errorf("stderr = %q, want a warning naming cb_2020_3 as an id", stderr)
	}
	if got := field(t, stdout, "cb_2020_3", 5); !strings.HasPrefix(got, "id-like") {
		t.Errorf("cb_2020_3 summary = %q, want it marked id-like", got)
	}
	if got := field(t, stdout, "model inputs", 1); !strings.HasPrefix(got, "none") {
		t.Errorf("model inputs = %q, want none while the id column is a feature", got)
	}
}

func TestDescribeSpatialSplit(t *testing.T) {
	code, stdout, stderr := runHrmg(t, "describe", "--data", californiaDir+"housing.csv", "--target", "median_house_value",
		"--split", "spatial", "--block-km", "10", "--seed", "3")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if got := field(t, stdout, "split", 1); !strings.Contains(got, "10 km grid cells by latitude and longitude, seed 3") {
		t.Errorf("split = %q", got)
	}
	if header := tsvRows(stdout, "part"); len(header) != 1 || header[0][2] != "grid cells" {
		t.Errorf("part header = %q, want a grid cells column", header)
	}
}

func TestDescribeWithoutTarget(t *testing.T) {
	path := writeFile(t, "t.csv", "fips,zone,x\n06037,a,1\n13121,b,\n")
	code, stdout, stderr := runHrmg(t, "describe", "--data", path, "--id", "fips")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if got := field(t, stdout, "rows", 1); got != "2" {
		t.Errorf("rows = %q", got)
	}
	if got := field(t, stdout, "x", 2); got != "1" {
		t.Errorf("x missing = %q, want 1", got)
	}
	if got := field(t, stdout, "fips", 1); got != "categorical" {
		t.Errorf("fips type = %q, want categorical as an id", got)
	}
	if !strings.Contains(field(t, stdout, "target", 1), "--target") {
		t.Error("output does not say how to add the target")
	}
}

func TestDescribeLogsLeftOutRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 30 {
		if i == 3 {
			b.WriteString("3,NA\n")
			continue
		}
		b.WriteString(strings.Repeat("1", 1+i%3) + "," + strings.Repeat("2", 1+i%4) + "\n")
	}
	code, stdout, stderr := runHrmg(t, "describe", "--data", writeFile(t, "t.csv", b.String()), "--target", "y")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "1 of 30 rows have no target value") || !strings.Contains(stderr, "line=5") {
		t.Errorf("stderr = %q, want a warning about line 5", stderr)
	}
	if got := field(t, stdout, "train", 1); got != "23" {
		t.Errorf("train rows = %q, want 23 of the 29 usable", got)
	}
}

func TestDescribeErrors(t *testing.T) {
	stray := writeFile(t, "stray.csv", "x,y\n1,1\n2,2\n1240m,3\n4,4\n")
	semicolon := writeFile(t, "semi.csv", "x;y\n1,5;2\n2,5;3\n")
	clean := writeFile(t, "clean.csv", "x,y\n1,1\n2,2\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"no data", []string{"describe", "--target", "y"}, exitUsage, []string{"--data"}},
		{"bad delimiter", []string{"describe", "--data", stray, "--delimiter", "::"}, exitUsage, []string{"--delimiter"}},
		{"bad decimal", []string{"describe", "--data", stray, "--decimal", "x"}, exitUsage, []string{"--decimal"}},
		{"bad split", []string{"describe", "--data", stray, "--target", "y", "--split", "kfold"}, exitUsage, []string{"kfold"}},
		{"spatial without block size", []string{"describe", "--data", stray, "--target", "y", "--split", "spatial"}, exitUsage, []string{"--block-km"}},
		{"unknown flag", []string{"describe", "--data", stray, "--colour"}, exitUsage, []string{"colour"}},
		{"stray text", []string{"describe", "--data", stray, "--target", "y"}, exitData, []string{"stray.csv", "line 4", `column "x"`, `value "1240m"`, "other 3 values"}},
		{"semicolon with decimal commas", []string{"describe", "--data", semicolon, "--target", "y"}, exitData, []string{"semi.csv", "--delimiter ';'", "--decimal ','"}},
		{"unknown target", []string{"describe", "--data", clean, "--target", "price"}, exitData, []string{`column "price"`, "not found"}},
		{"drop matches nothing", []string{"describe", "--data", clean, "--target", "y", "--drop", "z*"}, exitData, []string{`--drop "z*"`}},
		{"missing file", []string{"describe", "--data", filepath.Join(t.TempDir(), "nope.csv")}, exitData, []string{"nope.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runHrmg(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if n := strings.Count(strings.TrimSuffix(stderr, "\n"), "\n"); n != 0 || !strings.HasPrefix(stderr, "hrmg: ") {
				t.Errorf("stderr = %q, want one line starting with hrmg:", stderr)
			}
			for _, s := range tt.contains {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q does not contain %q", stderr, s)
				}
			}
		})
	}
}

func TestDescribeSemicolonFileWithOptions(t *testing.T) {
	path := writeFile(t, "semi.csv", "x;y\n"+strings.Repeat("1,5;2,25\n2,5;3\n", 10))
	code, stdout, stderr := runHrmg(t, "describe", "--data", path, "--target", "y", "--delimiter", ";", "--decimal", ",")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if got := field(t, stdout, "x", 2); got != "numeric" {
		t.Errorf("x type = %q, want numeric", got)
	}
}

func TestDescribeHelpNamesUnits(t *testing.T) {
	code, stdout, _ := runHrmg(t, "describe", "--help")
	if code != exitOK {
		t.Fatalf("exit status %d", code)
	}
	for _, s := range []string{"--data FILE", "--block-km KM", "in KM", "--valid-fraction SHARE", "--missing TEXTS"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("help does not mention %q:\n%s", s, stdout)
		}
	}
}
