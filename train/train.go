package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/model"
)

// Input is the model and data that Fit trains.
type Input struct {
	// Model is trained in place: Fit updates its weights.
	Model *model.HRM
	// Train and Valid are encoded by the same preprocessor. Fit reads X and
	// YModel of both, and Y of Valid for metrics in target units.
	Train, Valid *data.Frame
	// ToTarget maps a prediction in model units back to target units
	// (data.Preprocessor.TargetFromModel). Nil means the identity.
	ToTarget func(float64) float64
	// Fingerprint identifies the training data; a checkpoint from other
	// data is rejected on resume.
	Fingerprint string
}

// Options controls checkpoints and progress reports.
type Options struct {
	// Checkpoint is the path of the checkpoint file, written atomically at
	// the end of every epoch and when training is interrupted. Empty turns
	// checkpoints off.
	Checkpoint string
	// Resume continues from the checkpoint at Checkpoint, which must come
	// from the same model, training settings and data.
	Resume bool
	// Recorder receives progress reports; nil discards them.
	Recorder Recorder
}

// Recorder receives progress from Fit, on Fit's goroutine.
type Recorder interface {
	// Batch is called after every minibatch.
	Batch(BatchProgress)
	// Epoch is called after every epoch's validation.
	Epoch(EpochStats)
}

// BatchProgress reports the minibatches done in the current epoch.
type BatchProgress struct {
	Epoch, Epochs    int // 1-based epoch, and the total
	Batch, Batches   int // minibatches done this epoch, and the total
	Rows             int // training rows done this epoch
	Loss             float64
	EpochElapsed     time.Duration
	RowsPerSecond    float64
	PonderSteps      float64 // mean over the rows done this epoch
	ValidR2Previous  float64 // the last epoch's validation R², NaN before the first
	SegmentsPerBatch int
}

// EpochStats summarises one epoch. Losses are in model units; validation
// metrics are in the target's own units.
type EpochStats struct {
	Epoch int `json:"epoch"`
	// TrainLoss is the mean squared error of the last segment's prediction
	// over the epoch's training rows, in model units.
	TrainLoss float64 `json:"train_loss"`
	// PonderSteps is the mean number of cycles a training row used.
	PonderSteps      float64 `json:"ponder_steps"`
	ValidRMSE        float64 `json:"valid_rmse"`
	ValidR2          float64 `json:"valid_r2"`
	ValidMAE         float64 `json:"valid_mae"`
	ValidPonderSteps float64 `json:"valid_ponder_steps"`
	// LR is the learning rate of the epoch's last step.
	LR float64 `json:"lr"`
	// Tau is the ponder weight at the epoch's end.
	Tau float64 `json:"tau"`
	// GradNorm is the mean global gradient norm before clipping.
	GradNorm      float64 `json:"grad_norm"`
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	// Best marks the epoch with the lowest validation RMSE so far.
	Best bool `json:"best"`
}

// Result describes a finished training run.
type Result struct {
	History []EpochStats
	// BestEpoch is the 1-based epoch with the lowest validation RMSE.
	BestEpoch int
	// Final is the validation score of the weights Fit leaves in the model.
	Final metrics.Regression
	// FinalPonderSteps is the mean ponder steps of those weights over the
	// validation rows.
	FinalPonderSteps float64
	// EarlyStopped is true when patience ran out before the last epoch.
	EarlyStopped bool
}

// ErrDiverged is wrapped by the error Fit returns when the loss or a
// gradient is not finite.
var ErrDiverged = errors.New("training diverged")

// DivergedError reports where training met a non-finite value.
type DivergedError struct {
	Epoch, Batch, Segment int // 1-based
	// Quantity is "loss" or "gradient norm".
	Quantity string
	Value    float64
	LR       float64
}

func (e *DivergedError) Error() string {
	where := fmt.Sprintf("epoch %d, batch %d", e.Epoch, e.Batch)
	if e.Segment > 1 {
		where += fmt.Sprintf(", segment %d", e.Segment)
	}
	return fmt.Sprintf("%v at %s: %s is %v at learning rate %g; lower the learning rate (--lr) or keep gradient clipping on (--clip)",
		ErrDiverged, where, e.Quantity, e.Value, e.LR)
}

func (e *DivergedError) Unwrap() error { return ErrDiverged }

// Fit trains in.Model on in.Train, validating on in.Valid after every
// epoch. On success the model holds the weights of the epoch with the
// lowest validation RMSE, or with KeepLast the last epoch's. With EMA set,
// these are the moving average's weights. On an error the model's weights are undefined.
//
// When ctx is cancelled Fit finishes the current minibatch, writes a
// checkpoint (if Options.Checkpoint is set) and returns an error wrapping
// ctx.Err().
func Fit(ctx context.Context, in Input, cfg Config, opts Options) (*Result, error) {
	t, err := newTrainer(in, cfg, opts)
	if err != nil {
		return nil, err
	}
	defer t.close()
	return t.run(ctx)
}

// trainer holds the state of one run. Everything a checkpoint must carry
// to resume exactly is in state.
type trainer struct {
	in    Input
	cfg   Config
	opts  Options
	state state

	tg       *model.TrainGraph
	vm       G.VM
	params   [][]float32 // the model's weights, in Params order
	grads    [][]float32 // scratch for gradient values
	x, y, mk []float32   // the graph's input backings
	zH, zL   []float32   // states carried between segments
	sched    LRSchedule
	batches  int
	validX   []float64
	valid    *data.Frame
}

func newTrainer(in Input, cfg Config, opts Options) (*trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := in.Model
	if m == nil {
		return nil, errors.New("train: no model")
	}
	if m.Config().DType != model.DTypeFloat32 {
		return nil, fmt.Errorf("train: model dtype %q: training runs in float32 only", m.Config().DType)
	}
	if err := checkFrame("training", in.Train, len(m.Features())); err != nil {
		return nil, err
	}
	if err := checkFrame("validation", in.Valid, len(m.Features())); err != nil {
		return nil, err
	}
	if in.ToTarget == nil {
		in.ToTarget = func(z float64) float64 { return z }
	}

	batch := min(cfg.Batch, in.Train.X.Rows)
	tg, err := m.BuildTrain(batch)
	if err != nil {
		return nil, err
	}
	vm, err := tg.NewMachine()
	if err != nil {
		return nil, err
	}
	t := &trainer{in: in, cfg: cfg, opts: opts, tg: tg, vm: vm, valid: in.Valid}
	t.batches = (in.Train.X.Rows + batch - 1) / batch
	t.sched = cfg.schedule(t.batches * m.Config().Segments)
	for _, p := range m.Params() {
		t.params = append(t.params, p.Value.Data().([]float32))
	}
	t.grads = make([][]float32, len(t.params))
	t.x = backing(tg.X)
	t.y = backing(tg.Y)
	t.mk = backing(tg.Mask)
	t.zH = make([]float32, len(backing(tg.ZH0)))
	t.zL = make([]float32, len(backing(tg.ZL0)))
	t.validX = make([]float64, len(in.Valid.X.Data))
	for i, v := range in.Valid.X.Data {
		t.validX[i] = float64(v)
	}
	t.state = newState(cfg)

	if opts.Resume {
		if opts.Checkpoint == "" {
			vm.Close()
			return nil, errors.New("train: resume needs a checkpoint path")
		}
		if err := t.restore(opts.Checkpoint); err != nil {
			vm.Close()
			return nil, err
		}
	}
	return t, nil
}

func (t *trainer) close() { t.vm.Close() }

// checkFrame rejects a frame the model cannot train on.
func checkFrame(what string, f *data.Frame, features int) error {
	switch {
	case f == nil || f.X.Rows == 0:
		return fmt.Errorf("train: no %s rows", what)
	case f.X.Cols != features:
		return fmt.Errorf("train: %s rows have %d features, the model has %d", what, f.X.Cols, features)
	case len(f.YModel) != f.X.Rows:
		return fmt.Errorf("train: %s rows: %d targets for %d rows", what, len(f.YModel), f.X.Rows)
	case what == "validation" && len(f.Y) != f.X.Rows:
		return fmt.Errorf("train: validation rows: %d targets in target units for %d rows", len(f.Y), f.X.Rows)
	}
	return nil
}

// backing returns the float32 slice bound to an input node.
func backing(n *G.Node) []float32 {
	return n.Value().Data().([]float32)
}

func (t *trainer) run(ctx context.Context) (*Result, error) {
	st := &t.state
	for st.Epoch < t.cfg.Epochs {
		if err := t.runEpoch(ctx); err != nil {
			return nil, err
		}
		stats, err := t.endEpoch(ctx)
		if err != nil {
			return nil, err
		}
		if t.opts.Recorder != nil {
			t.opts.Recorder.Epoch(stats)
		}
		if t.cfg.Patience > 0 && st.BadEpochs >= t.cfg.Patience {
			st.EarlyStopped = true
			break
		}
	}
	return t.finish(ctx)
}

// runEpoch trains on the remaining minibatches of the current epoch.
func (t *trainer) runEpoch(ctx context.Context) error {
	st := &t.state
	rows := t.in.Train.X.Rows
	order := epochOrder(t.cfg.Seed, st.Epoch, rows)
	start := time.Now()
	elapsedBefore := st.Acc.Seconds
	for st.NextBatch < t.batches {
		if err := ctx.Err(); err != nil {
			st.Acc.Seconds = elapsedBefore + time.Since(start).Seconds()
			return t.interrupted(err)
		}
		if err := t.step(order); err != nil {
			return err
		}
		st.NextBatch++
		if t.opts.Recorder != nil {
			elapsed := elapsedBefore + time.Since(start).Seconds()
			t.opts.Recorder.Batch(BatchProgress{
				Epoch: st.Epoch + 1, Epochs: t.cfg.Epochs,
				Batch: st.NextBatch, Batches: t.batches,
				Rows: st.Acc.Rows, Loss: st.Acc.Loss / float64(max(st.Acc.Rows, 1)),
				EpochElapsed:     time.Duration(elapsed * float64(time.Second)),
				RowsPerSecond:    float64(st.Acc.Rows) / math.Max(elapsed, 1e-9),
				PonderSteps:      st.Acc.Ponder / float64(max(st.Acc.Rows, 1)),
				ValidR2Previous:  st.lastValidR2(),
				SegmentsPerBatch: t.in.Model.Config().Segments,
			})
		}
	}
	st.Acc.Seconds = elapsedBefore + time.Since(start).Seconds()
	return nil
}

// step trains on minibatch st.NextBatch of the epoch: every segment runs
// the graph and takes one optimizer step.
func (t *trainer) step(order []int) error {
	st := &t.state
	b := t.tg.Batch
	f := t.in.Train.X.Cols
	lo := st.NextBatch * b
	n := min(b, len(order)-lo)
	for i := 0; i < b; i++ {
		if i < n {
			r := order[lo+i]
			copy(t.x[i*f:(i+1)*f], t.in.Train.X.Row(r))
			t.y[i] = t.in.Train.YModel[r]
			t.mk[i] = 1
		} else {
			clear(t.x[i*f : (i+1)*f])
			t.y[i] = 0
			t.mk[i] = 0
		}
	}
	clear(t.zH)
	clear(t.zL)

	segments := t.in.Model.Config().Segments
	epochs := float64(st.Epoch) + float64(st.NextBatch)/float64(t.batches)
	tau := t.cfg.tau(epochs, t.in.Model.Config().PonderWeight)
	for seg := 1; seg <= segments; seg++ {
		copy(backing(t.tg.ZH0), t.zH)
		copy(backing(t.tg.ZL0), t.zL)
		if t.tg.Tau != nil {
			if err := setScalar(t.tg.Tau, tau); err != nil {
				return err
			}
		}
		if err := t.vm.RunAll(); err != nil {
			return fmt.Errorf("train: epoch %d, batch %d: %w", st.Epoch+1, st.NextBatch+1, err)
		}
		lr := t.sched.At(st.Step)
		loss := scalar(t.tg.Loss)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			t.vm.Reset()
			return &DivergedError{Epoch: st.Epoch + 1, Batch: st.NextBatch + 1, Segment: seg, Quantity: "loss", Value: loss, LR: lr}
		}
		for i, g := range t.tg.Grads {
			t.grads[i] = g.Value().Data().([]float32)
		}
		norm := ClipGlobalNorm(t.grads, t.cfg.Clip)
		if math.IsNaN(norm) || math.IsInf(norm, 0) {
			t.vm.Reset()
			return &DivergedError{Epoch: st.Epoch + 1, Batch: st.NextBatch + 1, Segment: seg, Quantity: "gradient norm", Value: norm, LR: lr}
		}
		if err := st.Opt.Update(lr, t.params, t.grads); err != nil {
			return err
		}
		st.Step++
		if t.cfg.EMA > 0 {
			st.EMA.Update(t.params)
		}
		copy(t.zH, backing(t.tg.ZH))
		copy(t.zL, backing(t.tg.ZL))

		// A row's ponder steps are the cycles it used over all segments,
		// as model.Predict counts them.
		for _, s := range backing(t.tg.PonderSteps)[:n] {
			st.Acc.Ponder += float64(s)
		}
		if seg == segments {
			st.Acc.Loss += scalar(t.tg.TaskLoss) * float64(n)
			st.Acc.Rows += n
			st.Acc.GradNorm += norm
			st.Acc.Updates++
			st.Acc.LR = lr
			st.Acc.Tau = tau
		}
		t.vm.Reset()
	}
	return nil
}

// scalar reads a scalar output node.
func scalar(n *G.Node) float64 {
	switch v := n.Value().(type) {
	case *G.F32:
		return float64(*v)
	case *G.F64:
		return float64(*v)
	}
	d := n.Value().Data()
	switch d := d.(type) {
	case []float32:
		return float64(d[0])
	case float32:
		return float64(d)
	case []float64:
		return d[0]
	case float64:
		return d
	}
	return math.NaN()
}

// setScalar writes v into a scalar input node.
func setScalar(n *G.Node, v float64) error {
	switch p := n.Value().(type) {
	case *G.F32:
		*p = G.F32(v)
	case *G.F64:
		*p = G.F64(v)
	default:
		return fmt.Errorf("train: scalar input %s has a value of type %T", n.Name(), p)
	}
	return nil
}
