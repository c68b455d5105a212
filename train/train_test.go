package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/model"
)

// californiaSample returns training and validation frames of a few hundred
// rows (at most 825) of the bundled California Housing training file, encoded with
// standard scaling and a standardised target.
func californiaSample(t *testing.T, trainRows, validRows int) (*data.Frame, *data.Frame, *data.Preprocessor) {
	t.Helper()
	table, err := data.ReadFile(filepath.Join("..", "datasets", "california-housing", "train.csv"), data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Every 20th row, so the sample spreads over the whole state instead of
	// the file's first region.
	rows := func(offset, n int) []int {
		r := make([]int, n)
		for i := range r {
			r[i] = offset + 20*i
		}
		return r
	}
	trainTable := table.Subset(rows(0, trainRows))
	validTable := table.Subset(rows(1, validRows))
	sel := data.Selection{Target: "median_house_value"}
	trainTable, _, err = data.DropMissingTarget(trainTable, sel.Target)
	if err != nil {
		t.Fatal(err)
	}
	prep, _, err := data.FitPreprocessor(trainTable, sel, data.PrepOptions{Scale: data.ScaleStandard, TargetStandardize: true})
	if err != nil {
		t.Fatal(err)
	}
	tr, _, err := prep.Transform(trainTable)
	if err != nil {
		t.Fatal(err)
	}
	va, _, err := prep.Transform(validTable)
	if err != nil {
		t.Fatal(err)
	}
	return tr, va, prep
}

// smallModel returns a small, fast HRM for tests.
func smallModel(t *testing.T, features []string, mutate func(*model.Config)) *model.HRM {
	t.Helper()
	cfg := model.DefaultConfig()
	cfg.Hidden = 16
	cfg.Halting = model.HaltingNone
	if mutate != nil {
		mutate(&cfg)
	}
	m, err := model.New(cfg, features, 7)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Epochs = 3
	cfg.Batch = 64
	cfg.LR = 3e-3
	cfg.Seed = 11
	return cfg
}

// weightsOf copies the model's weights.
func weightsOf(m *model.HRM) [][]float32 {
	var out [][]float32
	for _, p := range m.Params() {
		out = append(out, slices.Clone(p.Value.Data().([]float32)))
	}
	return out
}

// batchCounter records progress reports.
type batchCounter struct {
	rowsPerEpoch []int
	epochs       []EpochStats
	onBatch      func(BatchProgress)
}

func (b *batchCounter) Batch(p BatchProgress) {
	if p.Batch == p.Batches {
		b.rowsPerEpoch = append(b.rowsPerEpoch, p.Rows)
	}
	if b.onBatch != nil {
		b.onBatch(p)
	}
}

func (b *batchCounter) Epoch(s EpochStats) { b.epochs = append(b.epochs, s) }

func TestFitReducesLossOnRealRows(t *testing.T) {
	tr, va, prep := californiaSample(t, 600, 200)
	m := smallModel(t, prep.Features(), nil)
	rec := &batchCounter{}
	cfg := smallConfig()
	cfg.Epochs = 10
	res, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va, ToTarget: prep.TargetFromModel}, cfg, Options{Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != 10 {
		t.Fatalf("history has %d epochs, want 10", len(res.History))
	}
	first, last := res.History[0], res.History[9]
	if !(last.TrainLoss < 0.7*first.TrainLoss) {
		t.Errorf("training loss went from %.4f to %.4f, want a drop of at least 30%%", first.TrainLoss, last.TrainLoss)
	}
	if !(last.ValidRMSE < first.ValidRMSE) {
		t.Errorf("validation RMSE went from %.1f to %.1f, want lower", first.ValidRMSE, last.ValidRMSE)
	}
	if !(res.Final.R2 > 0.4) {
		t.Errorf("final validation R² = %.3f, want above 0.4 after 10 epochs", res.Final.R2)
	}
	if len(rec.epochs) != 10 {
		t.Errorf("recorder saw %d epochs, want 10", len(rec.epochs))
	}
}

func TestFitUsesEveryRowWithPartialBatch(t *testing.T) {
	tr, va, prep := californiaSample(t, 300, 50)
	m := smallModel(t, prep.Features(), nil)
	rec := &batchCounter{}
	cfg := smallConfig()
	cfg.Batch = 128 // 300 rows: two full batches and one of 44
	cfg.Epochs = 2
	if _, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va}, cfg, Options{Recorder: rec}); err != nil {
		t.Fatal(err)
	}
	if want := []int{tr.X.Rows, tr.X.Rows}; !slices.Equal(rec.rowsPerEpoch, want) {
		t.Errorf("rows per epoch = %v, want %v", rec.rowsPerEpoch, want)
	}
}

func TestFitIsDeterministic(t *testing.T) {
	tr, va, prep := californiaSample(t, 300, 100)
	run := func() ([][]float32, *Result) {
		m := smallModel(t, prep.Features(), func(c *model.Config) { c.Halting = model.HaltingACT; c.MaxCycles = 3 })
		res, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va}, smallConfig(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return weightsOf(m), res
	}
	w1, r1 := run()
	w2, r2 := run()
	for i := range w1 {
		if !slices.Equal(w1[i], w2[i]) {
			t.Fatalf("parameter %d differs between two runs with the same seed", i)
		}
	}
	if r1.Final != r2.Final {
		t.Errorf("final scores differ: %+v and %+v", r1.Final, r2.Final)
	}
}

func TestResumeMatchesUninterruptedRun(t *testing.T) {
	tr, va, prep := californiaSample(t, 400, 100)
	cfg := smallConfig()
	cfg.Epochs = 4
	cfg.EMA = 0.9
	cfg.Patience = 3
	newModel := func() *model.HRM {
		return smallModel(t, prep.Features(), func(c *model.Config) { c.Segments = 2 })
	}

	straight := newModel()
	want, err := Fit(context.Background(), Input{Model: straight, Train: tr, Valid: va, Fingerprint: "f"}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}

	// Interrupt in the middle of the second epoch, then resume twice: once
	// from that checkpoint and once more after another interruption at an
	// epoch boundary.
	ckpt := filepath.Join(t.TempDir(), "m.hrmg.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	rec := &batchCounter{onBatch: func(p BatchProgress) {
		if p.Epoch == 2 && p.Batch == 3 {
			cancel()
		}
	}}
	resumed := newModel()
	_, err = Fit(ctx, Input{Model: resumed, Train: tr, Valid: va, Fingerprint: "f"}, cfg, Options{Checkpoint: ckpt, Recorder: rec})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: error = %v, want context.Canceled", err)
	}

	resumed = newModel()
	got, err := Fit(context.Background(), Input{Model: resumed, Train: tr, Valid: va, Fingerprint: "f"}, cfg, Options{Checkpoint: ckpt, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := weightsOf(straight), weightsOf(resumed)
	for i := range w1 {
		if !slices.Equal(w1[i], w2[i]) {
			t.Fatalf("parameter %d differs between the resumed and the uninterrupted run", i)
		}
	}
	if got.Final != want.Final {
		t.Errorf("final scores differ: resumed %+v, uninterrupted %+v", got.Final, want.Final)
	}
	if len(got.History) != len(want.History) {
		t.Fatalf("resumed history has %d epochs, want %d", len(got.History), len(want.History))
	}
	for i := range want.History {
		if got.History[i].ValidRMSE != want.History[i].ValidRMSE {
			t.Errorf("epoch %d validation RMSE: resumed %v, uninterrupted %v", i+1, got.History[i].ValidRMSE, want.History[i].ValidRMSE)
		}
	}
}

func TestResumeRejectsOtherSettings(t *testing.T) {
	tr, va, prep := californiaSample(t, 200, 50)
	cfg := smallConfig()
	cfg.Epochs = 1
	ckpt := filepath.Join(t.TempDir(), "m.hrmg.ckpt")
	m := smallModel(t, prep.Features(), nil)
	if _, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va, Fingerprint: "a"}, cfg, Options{Checkpoint: ckpt}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		cfg         Config
		fingerprint string
		hidden      int
	}{
		{"other data", cfg, "b", 16},
		{"other learning rate", func() Config { c := cfg; c.LR = 1e-4; return c }(), "a", 16},
		{"other model", cfg, "a", 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := smallModel(t, prep.Features(), func(mc *model.Config) { mc.Hidden = c.hidden })
			_, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va, Fingerprint: c.fingerprint}, c.cfg, Options{Checkpoint: ckpt, Resume: true})
			if err == nil {
				t.Fatal("resume accepted a checkpoint from another run")
			}
		})
	}
}

func TestFitStopsOnDivergence(t *testing.T) {
	tr, va, prep := californiaSample(t, 300, 50)
	m := smallModel(t, prep.Features(), nil)
	cfg := smallConfig()
	// With lr·wd = 100 the decay step multiplies every weight by −99, so
	// the weights overflow float32 within about 20 steps.
	cfg.LR = 1e3
	cfg.Clip = 0
	cfg.WeightDecay = 0.1
	cfg.Epochs = 10
	_, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va}, cfg, Options{})
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("error = %v, want ErrDiverged", err)
	}
	var d *DivergedError
	if errors.As(err, &d) && (d.Epoch < 1 || d.Batch < 1) {
		t.Errorf("diverged error names epoch %d, batch %d; want 1-based positions", d.Epoch, d.Batch)
	}
}

func TestFitPatienceRestoresBestEpoch(t *testing.T) {
	tr, va, prep := californiaSample(t, 300, 100)
	m := smallModel(t, prep.Features(), nil)
	cfg := smallConfig()
	cfg.Epochs = 12
	cfg.LR = 2e-2 // large enough that validation RMSE rises again
	cfg.Patience = 2
	res, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va, ToTarget: prep.TargetFromModel}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	best := res.History[res.BestEpoch-1]
	if !best.Best {
		t.Errorf("epoch %d is reported best but not marked", res.BestEpoch)
	}
	for _, s := range res.History {
		if s.ValidRMSE < best.ValidRMSE {
			t.Errorf("epoch %d has RMSE %v below the best epoch's %v", s.Epoch, s.ValidRMSE, best.ValidRMSE)
		}
	}
	if math.Abs(res.Final.RMSE-best.ValidRMSE) > 1e-9*best.ValidRMSE {
		t.Errorf("final RMSE %v, want the best epoch's %v", res.Final.RMSE, best.ValidRMSE)
	}
	if res.EarlyStopped && len(res.History)-res.BestEpoch != cfg.Patience {
		t.Errorf("stopped %d epochs after the best, want %d", len(res.History)-res.BestEpoch, cfg.Patience)
	}
}

func TestFitRejectsMismatchedFrames(t *testing.T) {
	tr, va, prep := californiaSample(t, 100, 20)
	m := smallModel(t, prep.Features()[:5], nil)
	if _, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va}, smallConfig(), Options{}); err == nil {
		t.Error("frames with more features than the model were accepted")
	}
}

func TestFitKeepLastKeepsFinalEpoch(t *testing.T) {
	tr, va, prep := californiaSample(t, 300, 100)
	m := smallModel(t, prep.Features(), nil)
	cfg := smallConfig()
	cfg.Epochs = 6
	cfg.LR = 2e-2
	cfg.KeepLast = true
	res, err := Fit(context.Background(), Input{Model: m, Train: tr, Valid: va, ToTarget: prep.TargetFromModel}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := res.History[len(res.History)-1]
	if math.Abs(res.Final.RMSE-last.ValidRMSE) > 1e-9*last.ValidRMSE {
		t.Errorf("final RMSE %v, want the last epoch's %v", res.Final.RMSE, last.ValidRMSE)
	}
}
