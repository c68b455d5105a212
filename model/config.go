package model

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// Input encoders.
const (
	// InputLinear encodes the features with one dense layer, x·W + b.
	InputLinear = "linear"
	// InputPLR embeds each feature with periodic features, a per-feature
	// linear layer and ReLU, then projects the embeddings to H.
	InputPLR = "plr"
)

// Halting modes.
const (
	// HaltingNone runs Cycles high-level cycles for every row.
	HaltingNone = "none"
	// HaltingACT uses Graves' adaptive computation time over up to
	// MaxCycles cycles.
	HaltingACT = "act"
	// HaltingPonder uses PonderNet over up to MaxCycles cycles.
	HaltingPonder = "ponder"
)

// Element types.
const (
	DTypeFloat32 = "float32"
	DTypeFloat64 = "float64"
)

// Config sets the HRM's architecture. The zero Config is not valid: start
// from DefaultConfig and change fields. The JSON form is stored in model
// files.
type Config struct {
	// Hidden is H, the width of the input embedding and of both recurrent
	// states. Default 128.
	Hidden int `json:"hidden"`
	// Cycles is N, the number of high-level cycles of a forward pass when
	// Halting is "none". Default 2.
	Cycles int `json:"cycles"`
	// Steps is T, the number of low-level steps in each cycle. Default 2.
	Steps int `json:"steps"`
	// Segments is M, the number of deep-supervision segments. Training
	// runs the graph M times on each minibatch, each run starting from the
	// previous run's final states, with a loss and an update each. Predict
	// runs the same M segments and reports the last one's prediction.
	// Default 1.
	Segments int `json:"segments"`

	// Input is the input encoder, "linear" or "plr". Default "linear".
	Input string `json:"input"`
	// PLRFrequencies is the number of periodic frequencies per feature of
	// the "plr" encoder. Default 16.
	PLRFrequencies int `json:"plr_frequencies"`
	// PLRDim is the embedding width per feature of the "plr" encoder.
	// Default 16.
	PLRDim int `json:"plr_dim"`
	// PLRSigma is the standard deviation of the initial frequencies, in
	// cycles per unit of a standardised feature. Default 0.1.
	// NOTE: 0.1 is a starting point, not a tuned value; this scale is the
	// PLR setting results depend on most.
	PLRSigma float64 `json:"plr_sigma"`

	// Halting is "none", "act" or "ponder". Default "act".
	Halting string `json:"halting"`
	// MaxCycles is K, the number of cycles unrolled when Halting is "act"
	// or "ponder"; each row uses between 1 and K of them. Default 4:
	// training costs grow with K whatever rows use, and 8 cycles scored no
	// higher than 4 on the bundled tables.
	MaxCycles int `json:"max_cycles"`
	// HaltBias is the initial bias of the halting unit, whose weights start
	// at 0. Default −1: a halting probability of σ(−1) ≈ 0.27 a cycle, so
	// rows start by running 4 cycles and can learn to stop earlier. From
	// −3, no row stopped early within 40 epochs, because AdamW moves the
	// bias by about the learning rate per step. From 0, rows settled at 2
	// to 3 cycles and scored lower on California Housing.
	HaltBias float64 `json:"halt_bias"`
	// ACTEpsilon is ACT's ε: a row halts once its halting probabilities sum
	// to at least 1 − ε. Default 0.01.
	ACTEpsilon float64 `json:"act_epsilon"`
	// PonderWeight is τ, the weight of the ponder term in the training loss:
	// the ponder cost N + R for "act", the KL divergence from the prior for
	// "ponder". Training may ramp it up from 0; this is the final value.
	// Default 0.01.
	PonderWeight float64 `json:"ponder_weight"`
	// PonderPrior is λp, the halting probability per cycle of PonderNet's
	// geometric prior, in (0, 1). Default 0.2.
	PonderPrior float64 `json:"ponder_prior"`

	// DType is the element type of weights and graphs, "float32" or
	// "float64" (for gradient checks). Default "float32".
	DType string `json:"dtype"`
}

// DefaultConfig returns the default architecture.
func DefaultConfig() Config {
	return Config{
		Hidden:         128,
		Cycles:         2,
		Steps:          2,
		Segments:       1,
		Input:          InputLinear,
		PLRFrequencies: 16,
		PLRDim:         16,
		PLRSigma:       0.1,
		Halting:        HaltingACT,
		MaxCycles:      4,
		HaltBias:       -1,
		ACTEpsilon:     0.01,
		PonderWeight:   0.01,
		PonderPrior:    0.2,
		DType:          DTypeFloat32,
	}
}

// Limits that keep a config from building a graph too large to run.
const (
	maxHidden = 4096
	maxCycles = 64
	maxSteps  = 64
	// maxSegments bounds the graph runs per minibatch.
	maxSegments = 64
	maxPLR      = 256
)

// Validate returns an error naming the first invalid field.
func (c Config) Validate() error {
	var first error
	bad := func(field string, value any, rule string) {
		if first == nil {
			first = fmt.Errorf("model config: %s = %v: %s", field, value, rule)
		}
	}
	if c.Hidden < 1 || c.Hidden > maxHidden {
		bad("hidden", c.Hidden, fmt.Sprintf("must be between 1 and %d", maxHidden))
	}
	if c.Cycles < 1 || c.Cycles > maxCycles {
		bad("cycles", c.Cycles, fmt.Sprintf("must be between 1 and %d", maxCycles))
	}
	if c.Steps < 1 || c.Steps > maxSteps {
		bad("steps", c.Steps, fmt.Sprintf("must be between 1 and %d", maxSteps))
	}
	if c.Segments < 1 || c.Segments > maxSegments {
		bad("segments", c.Segments, fmt.Sprintf("must be between 1 and %d", maxSegments))
	}

	switch c.Input {
	case InputLinear:
	case InputPLR:
		if c.PLRFrequencies < 1 || c.PLRFrequencies > maxPLR {
			bad("plr_frequencies", c.PLRFrequencies, fmt.Sprintf("must be between 1 and %d", maxPLR))
		}
		if c.PLRDim < 1 || c.PLRDim > maxPLR {
			bad("plr_dim", c.PLRDim, fmt.Sprintf("must be between 1 and %d", maxPLR))
		}
		if !(c.PLRSigma > 0) || math.IsInf(c.PLRSigma, 0) {
			bad("plr_sigma", c.PLRSigma, "must be a positive number")
		}
	default:
		bad("input", fmt.Sprintf("%q", c.Input), `must be "linear" or "plr"`)
	}

	switch c.Halting {
	case HaltingNone:
	case HaltingACT, HaltingPonder:
		if c.MaxCycles < 2 || c.MaxCycles > maxCycles {
			bad("max_cycles", c.MaxCycles, fmt.Sprintf("must be between 2 and %d with halting %q", maxCycles, c.Halting))
		}
		if !isFinite(c.HaltBias) {
			bad("halt_bias", c.HaltBias, "must be a finite number")
		}
		if !(c.PonderWeight >= 0) || math.IsInf(c.PonderWeight, 0) {
			bad("ponder_weight", c.PonderWeight, "must be a finite number, 0 or more")
		}
		if c.Halting == HaltingACT && !(c.ACTEpsilon >= 0 && c.ACTEpsilon < 1) {
			bad("act_epsilon", c.ACTEpsilon, "must be at least 0 and below 1")
		}
		if c.Halting == HaltingPonder && !(c.PonderPrior > 0 && c.PonderPrior < 1) {
			bad("ponder_prior", c.PonderPrior, "must be above 0 and below 1")
		}
	default:
		bad("halting", fmt.Sprintf("%q", c.Halting), `must be "none", "act" or "ponder"`)
	}

	if c.DType != DTypeFloat32 && c.DType != DTypeFloat64 {
		bad("dtype", fmt.Sprintf("%q", c.DType), `must be "float32" or "float64"`)
	}
	return first
}

// UnrolledCycles returns the number of cycles a graph unrolls: Cycles
// without halting, MaxCycles with it.
func (c Config) UnrolledCycles() int {
	if c.Halting == HaltingNone {
		return c.Cycles
	}
	return c.MaxCycles
}

// dtype returns the tensor element type of c.DType.
func (c Config) dtype() tensor.Dtype {
	if c.DType == DTypeFloat64 {
		return tensor.Float64
	}
	return tensor.Float32
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
