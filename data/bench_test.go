package data

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// writeNumericCSV writes rows × cols random numbers with 8 significant
// digits, as satellite-embedding tables hold; the last column is "target".
func writeNumericCSV(tb testing.TB, path string, rows, cols int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}

	w := bufio.NewWriterSize(f, 1<<20)
	for j := range cols - 1 {
		fmt.Fprintf(w, "f%02d,", j)
	}
	w.WriteString("target\n")

	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for range rows {
		buf = buf[:0]
		for j := range cols {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, rng.NormFloat64()*0.2, 'g', 8, 32)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}

	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return info.Size()
}

// BenchmarkLoad measures Load on generated numeric tables, in MB/s of CSV
// text. It also reports the peak resident memory of a separate process
// that loads the table: peak-MB, and peak/matrix as a multiple of the
// rows × columns float32 matrix. The encode-peak metrics are the same for
// a process that also fits a preprocessor and encodes the training rows.
func BenchmarkLoad(b *testing.B) {
	const cols = 70
	for _, rows := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d/cols=%d", rows, cols), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "table.csv")
			size := writeNumericCSV(b, path, rows, cols)
			opts := LoadOptions{Train: path, Select: Selection{Target: "target"}}
			b.SetBytes(size)
			b.ResetTimer()
			for b.Loop() {
				if _, err := Load(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()

			matrix := float64(rows * cols * 4)
			for _, stage := range []string{"load", "encode"} {
				peak, ok := peakMemory(b, path, stage)
				if !ok {
					continue
				}
				prefix := ""
				if stage == "encode" {
					prefix = "encode-"
				}
				b.ReportMetric(peak/1e6, prefix+"peak-MB")
				b.ReportMetric(peak/matrix, prefix+"peak/matrix")
			}
		})
	}
}

// peakMemory runs this test binary again to load path in a fresh process
// and returns that process's peak resident memory in bytes (VmHWM). It
// reports false where /proc is not available.
func peakMemory(b *testing.B, path, stage string) (float64, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemoryChild$", "-test.v")
	cmd.Env = append(os.Environ(), "HRMG_PEAK_FILE="+path, "HRMG_PEAK_STAGE="+stage)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("peak memory process: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if _, after, ok := strings.Cut(line, "VmHWM-kB="); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(after), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb * 1024, true
		}
	}
	b.Fatalf("peak memory process printed no VmHWM:\n%s", out)
	return 0, false
}

// TestPeakMemoryChild is the process BenchmarkLoad starts; it does nothing
// in a normal test run.
func TestPeakMemoryChild(t *testing.T) {
	path := os.Getenv("HRMG_PEAK_FILE")
	if path == "" {
		t.Skip("run by BenchmarkLoad only")
	}
	s, err := Load(context.Background(), LoadOptions{Train: path, Select: Selection{Target: "target"}})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HRMG_PEAK_STAGE") == "encode" {
		p, _, err := FitPreprocessor(s.Train, Selection{Target: "target"}, PrepOptions{Scale: ScaleStandard})
		if err != nil {
			t.Fatal(err)
		}
		f, _, err := p.Transform(s.Train)
		if err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(f)
	}
	runtime.KeepAlive(s)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb := strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB")
			fmt.Printf("VmHWM-kB=%s\n", kb)
			return
		}
	}
	t.Fatal("no VmHWM line in /proc/self/status")
}
