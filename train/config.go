package train

import (
	"fmt"
	"math"
)

// Config sets how an HRM is trained. Start from DefaultConfig: the zero
// value is not valid. The JSON form is stored in checkpoints, so a resumed
// run can check it continues the same training.
type Config struct {
	// Epochs is the number of passes over the training rows. Default 40.
	Epochs int `json:"epochs"`
	// Batch is the number of rows in a minibatch. The last minibatch of an
	// epoch is padded and masked, so every row is used. Default 512.
	Batch int `json:"batch"`
	// LR is the peak learning rate of AdamW. Default 1e-3.
	LR float64 `json:"lr"`
	// MinLR is the rate a cosine schedule ends at. Default 0.
	MinLR float64 `json:"min_lr"`
	// Schedule is the learning-rate shape after warm-up, "cosine" or
	// "constant". Default "cosine".
	Schedule Schedule `json:"schedule"`
	// WarmupEpochs is the length of the linear learning-rate warm-up, in
	// epochs (fractions allowed). Default 1.
	WarmupEpochs float64 `json:"warmup_epochs"`
	// WeightDecay is AdamW's decoupled weight decay. Default 0.01.
	WeightDecay float64 `json:"weight_decay"`
	// Clip is the maximum global L2 norm of the gradients; 0 turns clipping
	// off. Default 1.0.
	Clip float64 `json:"clip"`
	// EMA is the decay of an exponential moving average of the weights,
	// which then replace the raw weights for validation and as the final
	// weights; 0 turns it off. Default 0.
	EMA float64 `json:"ema"`
	// Patience stops training after this many epochs without a lower
	// validation RMSE; 0 trains every epoch. Default 0.
	Patience int `json:"patience"`
	// KeepLast keeps the last epoch's weights. By default Fit keeps the
	// weights of the epoch with the lowest validation RMSE.
	KeepLast bool `json:"keep_last"`
	// TauRampEpochs ramps the ponder weight τ linearly from 0 to the
	// model's PonderWeight over this many epochs; 0 uses the full weight
	// from the start. Default 5.
	TauRampEpochs float64 `json:"tau_ramp_epochs"`
	// Seed decides the order of rows in each epoch.
	Seed uint64 `json:"seed"`
	// EvalBatch is the number of rows per inference batch during
	// validation. It does not change results. Default 4096.
	EvalBatch int `json:"eval_batch"`
}

// DefaultConfig returns the training defaults. The learning rate and its
// schedule differ from the constant 3e-4 of the PyTorch reference runs
// because they scored higher on both bundled tables. docs/benchmarks.md
// has the measurements.
func DefaultConfig() Config {
	return Config{
		Epochs:        40,
		Batch:         512,
		LR:            1e-3,
		Schedule:      ScheduleCosine,
		WarmupEpochs:  1,
		WeightDecay:   0.01,
		Clip:          1.0,
		TauRampEpochs: 5,
		EvalBatch:     4096,
	}
}

// Validate returns an error naming the first invalid setting.
func (c Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("invalid epochs %d: must be at least 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("invalid batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0) || !finite(c.LR):
		return fmt.Errorf("invalid learning rate %v: must be a positive number", c.LR)
	case !(c.MinLR >= 0) || c.MinLR > c.LR:
		return fmt.Errorf("invalid minimum learning rate %v: must be between 0 and the learning rate %v", c.MinLR, c.LR)
	case c.Schedule != ScheduleCosine && c.Schedule != ScheduleConstant:
		return fmt.Errorf("invalid schedule %q: use %q or %q", c.Schedule, ScheduleCosine, ScheduleConstant)
	case !(c.WarmupEpochs >= 0) || !finite(c.WarmupEpochs):
		return fmt.Errorf("invalid warm-up %v epochs: must be 0 or more", c.WarmupEpochs)
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return fmt.Errorf("invalid weight decay %v: must be 0 or more", c.WeightDecay)
	case !(c.Clip >= 0) || !finite(c.Clip):
		return fmt.Errorf("invalid gradient clipping norm %v: must be 0 (off) or more", c.Clip)
	case !(c.EMA >= 0 && c.EMA < 1):
		return fmt.Errorf("invalid EMA decay %v: must be 0 (off) or between 0 and 1", c.EMA)
	case c.Patience < 0:
		return fmt.Errorf("invalid patience %d: must be 0 (off) or more epochs", c.Patience)
	case !(c.TauRampEpochs >= 0) || !finite(c.TauRampEpochs):
		return fmt.Errorf("invalid τ ramp %v epochs: must be 0 or more", c.TauRampEpochs)
	case c.EvalBatch < 1:
		return fmt.Errorf("invalid evaluation batch %d: must be at least 1", c.EvalBatch)
	}
	return nil
}

// schedule returns the learning-rate schedule for a run of stepsPerEpoch
// optimizer steps an epoch.
func (c Config) schedule(stepsPerEpoch int) LRSchedule {
	return LRSchedule{
		Kind:   c.Schedule,
		Base:   c.LR,
		Min:    c.MinLR,
		Warmup: int(math.Round(c.WarmupEpochs * float64(stepsPerEpoch))),
		Total:  c.Epochs * stepsPerEpoch,
	}
}

// tau returns the ponder weight at a point of training, given in epochs
// from the start (fractions allowed), for a model whose final weight is
// full.
func (c Config) tau(epochs, full float64) float64 {
	if c.TauRampEpochs <= 0 || epochs >= c.TauRampEpochs {
		return full
	}
	return full * epochs / c.TauRampEpochs
}
