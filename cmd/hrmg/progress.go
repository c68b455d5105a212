package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/modelfile"
	"github.com/hrmg/hrmg/train"
)

// recorders sends training progress to several recorders.
type recorders []train.Recorder

func (rs recorders) Batch(p train.BatchProgress) {
	for _, r := range rs {
		r.Batch(p)
	}
}

func (rs recorders) Epoch(s train.EpochStats) {
	for _, r := range rs {
		r.Epoch(s)
	}
}

// epochLines logs one line per epoch, for runs whose stderr is not a
// terminal.
type epochLines struct{ log *slog.Logger }

func (epochLines) Batch(train.BatchProgress) {}

func (e epochLines) Epoch(s train.EpochStats) {
	e.log.Info("epoch",
		"epoch", s.Epoch, "train_loss", round(s.TrainLoss, 5),
		"valid_rmse", round(s.ValidRMSE, 6), "valid_r2", round(s.ValidR2, 4),
		"ponder_steps", round(s.PonderSteps, 2), "lr", s.LR, "grad_norm", round(s.GradNorm, 3),
		"rows_per_s", math.Round(s.RowsPerSecond), "seconds", round(s.Seconds, 1), "best", s.Best)
}

// round rounds v to digits significant decimals for log lines.
func round(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, float64(digits-1-int(math.Floor(math.Log10(math.Abs(v))))))
	return math.Round(v*scale) / scale
}

// progressBar redraws one line on a terminal while an epoch runs and
// leaves a summary line when it ends.
type progressBar struct {
	w    io.Writer
	last time.Time
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) Batch(b train.BatchProgress) {
	if time.Since(p.last) < 100*time.Millisecond && b.Batch < b.Batches {
		return
	}
	p.last = time.Now()
	const width = 24
	done := width * b.Batch / max(b.Batches, 1)
	eta := time.Duration(0)
	if b.Batch > 0 {
		eta = time.Duration(float64(b.EpochElapsed) * float64(b.Batches-b.Batch) / float64(b.Batch))
	}
	r2 := "-"
	if !math.IsNaN(b.ValidR2Previous) {
		r2 = fmt.Sprintf("%.4f", b.ValidR2Previous)
	}
	fmt.Fprintf(p.w, "\r\033[Kepoch %d/%d [%s%s] %d/%d  %.0f rows/s  ETA %s  loss %.4f  valid R² %s  ponder %.2f",
		b.Epoch, b.Epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done), b.Batch, b.Batches,
		b.RowsPerSecond, eta.Round(time.Second), b.Loss, r2, b.PonderSteps)
}

func (p *progressBar) Epoch(s train.EpochStats) {
	best := ""
	if s.Best {
		best = "  best"
	}
	fmt.Fprintf(p.w, "\r\033[Kepoch %d  loss %.4f  valid RMSE %.6g  R² %.4f  ponder %.2f  %.0f rows/s  %.1f s%s\n",
		s.Epoch, s.TrainLoss, s.ValidRMSE, s.ValidR2, s.PonderSteps, s.RowsPerSecond, s.Seconds, best)
}

// epochLog rewrites a JSON Lines file of every epoch's statistics after
// each epoch, atomically, so it can be watched while training runs.
type epochLog struct {
	path  string
	lines []byte
	log   *slog.Logger
	// resume keeps the records of the epochs before the first one this
	// run reports, from the file an interrupted run left.
	resume  bool
	started bool
	// before is the file's content when the run started, nil if it did
	// not exist, for restore.
	before []byte
}

func newEpochLog(path string, resume bool, log *slog.Logger) *epochLog {
	before, err := os.ReadFile(path)
	if err != nil {
		before = nil
	}
	return &epochLog{path: path, log: log, resume: resume, before: before}
}

// restore puts back the file as it was when the run started, or removes
// it if there was none.
func (e *epochLog) restore() {
	if !e.started {
		return
	}
	var err error
	if e.before == nil {
		err = os.Remove(e.path)
	} else {
		err = modelfile.WriteFileAtomic(e.path, e.before, 0o644)
	}
	if err != nil && !os.IsNotExist(err) {
		e.log.Warn("epoch log not restored", "file", e.path, "error", err)
	}
}

func (e *epochLog) Batch(train.BatchProgress) {}

func (e *epochLog) Epoch(s train.EpochStats) {
	if !e.started {
		e.started = true
		if e.resume {
			e.lines = earlierEpochs(e.path, s.Epoch)
		}
	}
	line, err := json.Marshal(finiteStats(s))
	if err != nil {
		e.log.Warn("epoch metrics not written", "file", e.path, "epoch", s.Epoch, "error", err)
		return
	}
	e.lines = append(append(e.lines, line...), '\n')
	if err := modelfile.WriteFileAtomic(e.path, e.lines, 0o644); err != nil {
		e.log.Warn("epoch metrics not written", "file", e.path, "epoch", s.Epoch, "error", err)
	}
}

// earlierEpochs returns the lines of an epoch log for epochs before
// first, or nil when the file cannot be read.
func earlierEpochs(path string, first int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var kept []byte
	for line := range bytes.Lines(b) {
		var rec struct{ Epoch int }
		if json.Unmarshal(line, &rec) == nil && rec.Epoch < first {
			kept = append(kept, line...)
		}
	}
	return kept
}

// finiteStats replaces NaN and infinite values, which JSON cannot hold,
// with zero. R² is NaN only when every validation target is equal.
func finiteStats(s train.EpochStats) train.EpochStats {
	for _, v := range []*float64{&s.TrainLoss, &s.PonderSteps, &s.ValidRMSE, &s.ValidR2, &s.ValidMAE,
		&s.ValidPonderSteps, &s.LR, &s.Tau, &s.GradNorm, &s.Seconds, &s.RowsPerSecond} {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = 0
		}
	}
	return s
}

// scoreRow is one line of a scores table.
type scoreRow struct {
	Model, Split string
	Score        metrics.Regression
	// Ponder is the mean ponder steps, 0 when it does not apply.
	Ponder float64
}

// printScores writes a tab-separated table of scores.
func printScores(w io.Writer, rows []scoreRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tsplit\trows\tR²\tRMSE\tMAE\tponder steps")
	for _, r := range rows {
		ponder := "-"
		if r.Ponder > 0 {
			ponder = fmt.Sprintf("%.2f", r.Ponder)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4f\t%.6g\t%.6g\t%s\n", r.Model, r.Split, r.Score.N, r.Score.R2, r.Score.RMSE, r.Score.MAE, ponder)
	}
	return tw.Flush()
}
