package train

import (
	"context"
	"fmt"
	"math"

	"github.com/hrmg/hrmg/metrics"
)

// state is everything a checkpoint carries besides the model's weights.
type state struct {
	// Epoch is the number of epochs finished; NextBatch the number of
	// minibatches finished in the current epoch.
	Epoch, NextBatch int
	// Step counts optimizer steps; the learning-rate schedule reads it.
	Step int
	// Acc accumulates the current epoch's training statistics.
	Acc accumulator

	// BestRMSE is the lowest validation RMSE so far, valid when BestEpoch
	// is above 0.
	BestRMSE     float64
	BestEpoch    int
	BadEpochs    int
	EarlyStopped bool
	History      []EpochStats

	Opt  *AdamW `json:"-"`
	EMA  EMA    `json:"-"`
	Best [][]float32
}

type accumulator struct {
	Loss, Ponder, GradNorm float64
	Rows, Updates          int
	LR, Tau, Seconds       float64
}

func newState(cfg Config) state {
	return state{
		Opt: NewAdamW(cfg.WeightDecay),
		EMA: EMA{Decay: cfg.EMA},
	}
}

func (s *state) lastValidR2() float64 {
	if len(s.History) == 0 {
		return math.NaN()
	}
	return s.History[len(s.History)-1].ValidR2
}

// evaluated returns the weights validation scores: the moving average when
// EMA is on, else the current weights.
func (t *trainer) evaluated() [][]float32 {
	if t.cfg.EMA > 0 && t.state.EMA.Shadow != nil {
		return t.state.EMA.Shadow
	}
	return t.params
}

// withWeights runs fn with w copied into the model, then puts the model's
// own weights back.
func (t *trainer) withWeights(w [][]float32, fn func() error) error {
	if sameSlices(w, t.params) {
		return fn()
	}
	saved := cloneWeights(t.params)
	copyWeights(t.params, w)
	err := fn()
	copyWeights(t.params, saved)
	return err
}

// score predicts the validation rows with the model's current weights and
// scores them in target units.
func (t *trainer) score(ctx context.Context) (metrics.Regression, float64, error) {
	// Validation takes seconds at most, so a cancelled run still finishes
	// it and stops at the next minibatch with a complete epoch behind it.
	pred, steps, err := t.in.Model.Predict(context.WithoutCancel(ctx), t.validX, t.cfg.EvalBatch)
	if err != nil {
		return metrics.Regression{}, 0, fmt.Errorf("train: validate: %w", err)
	}
	var ponder float64
	for i, p := range pred {
		pred[i] = t.in.ToTarget(p)
		ponder += steps[i]
	}
	r, err := metrics.Score(t.valid.Y, pred)
	if err != nil {
		// A non-finite prediction means the weights diverged.
		return metrics.Regression{}, 0, fmt.Errorf("%w after epoch %d: validation %v; lower the learning rate (--lr)", ErrDiverged, t.state.Epoch+1, err)
	}
	return r, ponder / float64(len(pred)), nil
}

// endEpoch validates, tracks the best epoch, writes the checkpoint and
// starts the next epoch.
func (t *trainer) endEpoch(ctx context.Context) (EpochStats, error) {
	st := &t.state
	var r metrics.Regression
	var ponder float64
	err := t.withWeights(t.evaluated(), func() error {
		var err error
		r, ponder, err = t.score(ctx)
		return err
	})
	if err != nil {
		return EpochStats{}, err
	}

	a := st.Acc
	stats := EpochStats{
		Epoch:            st.Epoch + 1,
		TrainLoss:        a.Loss / float64(max(a.Rows, 1)),
		PonderSteps:      a.Ponder / float64(max(a.Rows, 1)),
		ValidRMSE:        r.RMSE,
		ValidR2:          r.R2,
		ValidMAE:         r.MAE,
		ValidPonderSteps: ponder,
		LR:               a.LR,
		Tau:              a.Tau,
		GradNorm:         a.GradNorm / float64(max(a.Updates, 1)),
		Seconds:          a.Seconds,
		RowsPerSecond:    float64(a.Rows) / math.Max(a.Seconds, 1e-9),
	}
	if st.BestEpoch == 0 || r.RMSE < st.BestRMSE {
		stats.Best = true
		st.BestRMSE, st.BestEpoch, st.BadEpochs = r.RMSE, stats.Epoch, 0
		if !t.cfg.KeepLast {
			st.Best = cloneWeights(t.evaluated())
		}
	} else {
		st.BadEpochs++
	}
	st.History = append(st.History, stats)
	st.Epoch++
	st.NextBatch = 0
	st.Acc = accumulator{}

	if t.opts.Checkpoint != "" {
		if err := t.save(t.opts.Checkpoint); err != nil {
			return EpochStats{}, err
		}
	}
	return stats, nil
}

// finish puts the final weights in the model and scores them.
func (t *trainer) finish(ctx context.Context) (*Result, error) {
	st := &t.state
	switch {
	case !t.cfg.KeepLast && st.Best != nil:
		copyWeights(t.params, st.Best)
	case t.cfg.EMA > 0 && st.EMA.Shadow != nil:
		copyWeights(t.params, st.EMA.Shadow)
	}
	final, ponder, err := t.score(ctx)
	if err != nil {
		return nil, err
	}
	return &Result{
		History:          st.History,
		BestEpoch:        st.BestEpoch,
		Final:            final,
		FinalPonderSteps: ponder,
		EarlyStopped:     st.EarlyStopped,
	}, nil
}

// InterruptedError reports a run stopped by its context after a complete
// minibatch. It wraps the context's error.
type InterruptedError struct {
	Epoch, Batch int // 1-based position of the next minibatch
	// Checkpoint is the checkpoint written, empty when checkpoints are off.
	Checkpoint string
	Err        error
}

func (e *InterruptedError) Error() string {
	msg := fmt.Sprintf("training interrupted before epoch %d, batch %d", e.Epoch, e.Batch)
	if e.Checkpoint != "" {
		msg += fmt.Sprintf("; checkpoint %s written: continue with --resume and the same flags", e.Checkpoint)
	}
	return msg
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// interrupted writes a checkpoint at the current minibatch and returns the
// error for a cancelled run.
func (t *trainer) interrupted(cause error) error {
	st := t.state
	e := &InterruptedError{Epoch: st.Epoch + 1, Batch: st.NextBatch + 1, Err: cause}
	if t.opts.Checkpoint == "" {
		return e
	}
	if err := t.save(t.opts.Checkpoint); err != nil {
		return fmt.Errorf("%v, and writing the checkpoint failed: %w", e, err)
	}
	e.Checkpoint = t.opts.Checkpoint
	return e
}

func cloneWeights(w [][]float32) [][]float32 {
	out := make([][]float32, len(w))
	for i, p := range w {
		out[i] = append([]float32(nil), p...)
	}
	return out
}

func copyWeights(dst, src [][]float32) {
	for i := range dst {
		copy(dst[i], src[i])
	}
}

// sameSlices reports whether a and b are the same slices of memory.
func sameSlices(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || (len(a[i]) > 0 && &a[i][0] != &b[i][0]) {
			return false
		}
	}
	return true
}
