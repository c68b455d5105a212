package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/train"
)

// hrmFlags returns the flags that set the HRM's architecture, its input
// scaling and target transform, and how it is trained. train and compare
// share them.
func hrmFlags() []cli.Flag {
	m := model.DefaultConfig()
	t := train.DefaultConfig()
	arch := "Model"
	fit := "Training"
	return []cli.Flag{
		&cli.IntFlag{Category: arch, Name: "hidden", Value: m.Hidden, Usage: "hidden `UNITS` H of the input embedding and both recurrent states"},
		&cli.IntFlag{Category: arch, Name: "cycles", Value: m.Cycles, Usage: "high-level `CYCLES` N per forward pass with --halting none"},
		&cli.IntFlag{Category: arch, Name: "steps", Value: m.Steps, Usage: "low-level `STEPS` T per high-level cycle"},
		&cli.IntFlag{Category: arch, Name: "segments", Value: m.Segments, Usage: "deep-supervision `SEGMENTS`: forward passes per minibatch, each from the last one's states with its own update; prediction runs all of them"},
		&cli.StringFlag{Category: arch, Name: "input", Value: m.Input, Usage: "input `ENCODER`: linear, or plr (periodic embeddings per feature, then linear and ReLU)"},
		&cli.IntFlag{Category: arch, Name: "plr-frequencies", Value: m.PLRFrequencies, Usage: "periodic `FREQUENCIES` per feature of the plr encoder"},
		&cli.IntFlag{Category: arch, Name: "plr-dim", Value: m.PLRDim, Usage: "embedding `WIDTH` per feature of the plr encoder"},
		&cli.Float64Flag{Category: arch, Name: "plr-sigma", Value: m.PLRSigma, Usage: "standard deviation of the plr encoder's initial frequencies, in `CYCLES` per standard deviation of a feature"},
		&cli.StringFlag{Category: arch, Name: "halting", Value: m.Halting, Usage: "`HALTING` of the high-level cycles: none (fixed --cycles), act (adaptive computation time) or ponder (PonderNet)"},
		&cli.IntFlag{Category: arch, Name: "max-cycles", Value: m.MaxCycles, Usage: "most high-level `CYCLES` a row may use with --halting act or ponder"},
		&cli.Float64Flag{Category: arch, Name: "halt-bias", Value: m.HaltBias, Usage: "initial `BIAS` of the halting unit; negative starts rows running deep"},
		&cli.Float64Flag{Category: arch, Name: "ponder-weight", Value: m.PonderWeight, Usage: "`WEIGHT` τ of the ponder cost in the loss, reached after --tau-ramp-epochs"},
		&cli.Float64Flag{Category: arch, Name: "ponder-prior", Value: m.PonderPrior, Usage: "halting `PROBABILITY` per cycle of PonderNet's geometric prior"},
		&cli.StringFlag{Category: arch, Name: "scale", Value: string(data.ScaleQuantile), Usage: "numeric feature `SCALING`: standard (z-scores) or quantile (ranks mapped to a normal distribution)"},
		&cli.BoolFlag{Category: arch, Name: "target-log1p", Usage: "model log(1 + target) instead of the target; metrics stay in target units"},

		&cli.IntFlag{Category: fit, Name: "epochs", Value: t.Epochs, Usage: "passes over the training rows, in `EPOCHS`"},
		&cli.IntFlag{Category: fit, Name: "batch", Value: t.Batch, Usage: "minibatch size in `ROWS`; the last partial minibatch is padded, never dropped"},
		&cli.Float64Flag{Category: fit, Name: "lr", Value: t.LR, Usage: "peak AdamW learning `RATE`"},
		&cli.Float64Flag{Category: fit, Name: "min-lr", Value: t.MinLR, Usage: "learning `RATE` a cosine schedule ends at"},
		&cli.StringFlag{Category: fit, Name: "schedule", Value: string(t.Schedule), Usage: "learning-rate `SHAPE` after warm-up: constant or cosine"},
		&cli.Float64Flag{Category: fit, Name: "warmup-epochs", Value: t.WarmupEpochs, Usage: "linear learning-rate warm-up, in `EPOCHS` (fractions allowed)"},
		&cli.Float64Flag{Category: fit, Name: "weight-decay", Value: t.WeightDecay, Usage: "AdamW decoupled weight `DECAY` per unit learning rate"},
		&cli.Float64Flag{Category: fit, Name: "clip", Value: t.Clip, Usage: "maximum global L2 `NORM` of the gradients; 0 turns clipping off"},
		&cli.Float64Flag{Category: fit, Name: "ema", Value: t.EMA, Usage: "`DECAY` of a moving average of the weights used for validation and kept as the model; 0 turns it off"},
		&cli.IntFlag{Category: fit, Name: "patience", Value: t.Patience, Usage: "stop after this many `EPOCHS` without a lower validation RMSE; 0 trains every epoch"},
		&cli.StringFlag{Category: fit, Name: "keep", Value: "best", Usage: "`WEIGHTS` to save: best (the epoch with the lowest validation RMSE) or last (the final epoch)"},
		&cli.Float64Flag{Category: fit, Name: "tau-ramp-epochs", Value: t.TauRampEpochs, Usage: "`EPOCHS` over which the ponder weight rises from 0 to --ponder-weight"},
	}
}

// hrmSettings reads the flags of hrmFlags.
func hrmSettings(c *cli.Context) (model.Config, train.Config, data.PrepOptions, error) {
	m := model.DefaultConfig()
	m.Hidden = c.Int("hidden")
	m.Cycles = c.Int("cycles")
	m.Steps = c.Int("steps")
	m.Segments = c.Int("segments")
	m.Input = c.String("input")
	m.PLRFrequencies = c.Int("plr-frequencies")
	m.PLRDim = c.Int("plr-dim")
	m.PLRSigma = c.Float64("plr-sigma")
	m.Halting = c.String("halting")
	m.MaxCycles = c.Int("max-cycles")
	m.HaltBias = c.Float64("halt-bias")
	m.PonderWeight = c.Float64("ponder-weight")
	m.PonderPrior = c.Float64("ponder-prior")
	if err := m.Validate(); err != nil {
		return m, train.Config{}, data.PrepOptions{}, usageError(err)
	}

	t := train.DefaultConfig()
	t.Epochs = c.Int("epochs")
	t.Batch = c.Int("batch")
	t.LR = c.Float64("lr")
	t.MinLR = c.Float64("min-lr")
	t.Schedule = train.Schedule(c.String("schedule"))
	t.WarmupEpochs = c.Float64("warmup-epochs")
	t.WeightDecay = c.Float64("weight-decay")
	t.Clip = c.Float64("clip")
	t.EMA = c.Float64("ema")
	t.Patience = c.Int("patience")
	t.TauRampEpochs = c.Float64("tau-ramp-epochs")
	t.Seed = c.Uint64("seed")
	switch keep := c.String("keep"); keep {
	case "best":
	case "last":
		t.KeepLast = true
	default:
		return m, t, data.PrepOptions{}, usageError(fmt.Errorf("invalid --keep %q: use best or last", keep))
	}
	if err := t.Validate(); err != nil {
		return m, t, data.PrepOptions{}, usageError(err)
	}

	for _, msg := range unusedModelFlags(c, m) {
		logger(c).Warn(msg)
	}

	prep := data.PrepOptions{
		Scale:             data.Scaling(c.String("scale")),
		TargetLog1p:       c.Bool("target-log1p"),
		TargetStandardize: true,
	}
	if prep.Scale != data.ScaleStandard && prep.Scale != data.ScaleQuantile {
		return m, t, prep, usageError(fmt.Errorf("invalid --scale %q: use standard or quantile", prep.Scale))
	}
	return m, t, prep, nil
}

// unusedModelFlags returns a message for each model flag set on the command
// line that the chosen halting or input encoder does not read.
func unusedModelFlags(c *cli.Context, m model.Config) []string {
	var unused []struct{ flag, reason string }
	add := func(flag, reason string) {
		if c.IsSet(flag) {
			unused = append(unused, struct{ flag, reason string }{flag, reason})
		}
	}
	if m.Halting == model.HaltingNone {
		for _, f := range []string{"max-cycles", "halt-bias", "ponder-weight", "ponder-prior", "tau-ramp-epochs"} {
			add(f, "--halting none")
		}
	} else {
		add("cycles", "--halting "+m.Halting+", which runs up to --max-cycles")
		if m.Halting != model.HaltingPonder {
			add("ponder-prior", "--halting "+m.Halting)
		}
	}
	if m.Input != model.InputPLR {
		for _, f := range []string{"plr-frequencies", "plr-dim", "plr-sigma"} {
			add(f, "--input "+m.Input)
		}
	}
	msgs := make([]string, len(unused))
	for i, u := range unused {
		msgs[i] = fmt.Sprintf("--%s has no effect with %s", u.flag, u.reason)
	}
	return msgs
}
