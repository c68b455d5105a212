package model

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/hrmg/hrmg/graph"
)

// HRM is a Hierarchical Reasoning Model for regression. It owns the
// weights; graphs built from it share them (see BuildTrain).
type HRM struct {
	cfg      Config
	features []string

	linear *graph.Linear // input encoder with Input "linear", F → H
	plr    *graph.PLR    // input embedding with Input "plr", F → F·D
	proj   *graph.Linear // with Input "plr", F·D → H
	plan   *graph.Linear // H → H, no bias: the plan z_H adds to the L input
	low    *graph.GRU    // the L module
	high   *graph.GRU    // the H module
	head   *graph.Linear // H → 1, the prediction of each cycle
	halt   *graph.Linear // H → 1, the halting unit; nil with Halting "none"
}

// seedStream is the second PCG word of the weight initialiser, fixed so that
// New's seed alone decides the weights.
const seedStream = 0x6872_6d67 // "hrmg"

// New returns an HRM for the named input features with weights drawn from
// seed: the same config, features and seed give the same weights.
// features gives the model's inputs in column order; names are kept for
// reports and may hold any characters.
func New(cfg Config, features []string, seed uint64) (*HRM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(features) == 0 {
		return nil, errors.New("model: no input features")
	}
	m := &HRM{cfg: cfg, features: append([]string(nil), features...)}
	rng := rand.New(rand.NewPCG(seed, seedStream))
	dt := cfg.dtype()
	f, h := len(features), cfg.Hidden

	var err error
	switch cfg.Input {
	case InputLinear:
		if m.linear, err = graph.NewLinear("hrm/input/linear", f, h, dt, rng, graph.LeCunNormal, graph.Zeros); err != nil {
			return nil, err
		}
	case InputPLR:
		if m.plr, err = graph.NewPLR("hrm/input/plr", f, cfg.PLRFrequencies, cfg.PLRDim, cfg.PLRSigma, dt, rng); err != nil {
			return nil, err
		}
		if m.proj, err = graph.NewLinear("hrm/input/proj", m.plr.OutputSize(), h, dt, rng, graph.LeCunNormal, graph.Zeros); err != nil {
			return nil, err
		}
	}
	if m.plan, err = graph.NewLinear("hrm/plan", h, h, dt, rng, graph.LeCunNormal, nil); err != nil {
		return nil, err
	}
	if m.low, err = graph.NewGRU("hrm/L/gru", h, h, dt, rng); err != nil {
		return nil, err
	}
	if m.high, err = graph.NewGRU("hrm/H/gru", h, h, dt, rng); err != nil {
		return nil, err
	}
	if m.head, err = graph.NewLinear("hrm/head", h, 1, dt, rng, graph.LeCunNormal, graph.Zeros); err != nil {
		return nil, err
	}
	if cfg.Halting != HaltingNone {
		// Zero weights and a deep bias: every row starts with the same
		// small halting probability, as in the HRM reference code.
		if m.halt, err = graph.NewLinear("hrm/halt", h, 1, dt, rng, graph.Zeros, graph.Constant(cfg.HaltBias)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Config returns the model's configuration.
func (m *HRM) Config() Config { return m.cfg }

// Features returns a copy of the input feature names, in column order.
func (m *HRM) Features() []string { return append([]string(nil), m.features...) }

// Params returns the learnable parameters in a fixed order: input encoder,
// plan, L module, H module, output head, halting unit. The tensors are the
// model's own; writing to them changes the model and every graph built from
// it.
func (m *HRM) Params() []graph.Param {
	var ps []graph.Param
	if m.linear != nil {
		ps = append(ps, m.linear.Params()...)
	}
	if m.plr != nil {
		ps = append(ps, m.plr.Params()...)
		ps = append(ps, m.proj.Params()...)
	}
	ps = append(ps, m.plan.Params()...)
	ps = append(ps, m.low.Params()...)
	ps = append(ps, m.high.Params()...)
	ps = append(ps, m.head.Params()...)
	if m.halt != nil {
		ps = append(ps, m.halt.Params()...)
	}
	return ps
}

// NumParams returns the number of learnable values.
func (m *HRM) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += p.Size()
	}
	return n
}

// Clone returns a deep copy of the model, with weights in new memory.
func (m *HRM) Clone() *HRM {
	c, err := New(m.cfg, m.features, 0)
	if err != nil {
		// m was built from the same config and features.
		panic(fmt.Sprintf("model: clone: %v", err))
	}
	if err := c.CopyWeightsFrom(m); err != nil {
		panic(fmt.Sprintf("model: clone: %v", err))
	}
	return c
}

// CopyWeightsFrom copies src's weights into m's tensors in place, so graphs
// built from m see them. The two models must have the same parameters.
func (m *HRM) CopyWeightsFrom(src *HRM) error {
	dst, from := m.Params(), src.Params()
	if len(dst) != len(from) {
		return fmt.Errorf("model: copy weights: %d parameters into %d", len(from), len(dst))
	}
	for i, p := range dst {
		q := from[i]
		if p.Name != q.Name || !p.Value.Shape().Eq(q.Value.Shape()) || p.Value.Dtype() != q.Value.Dtype() {
			return fmt.Errorf("model: copy weights: %s %v %v into %s %v %v", q.Name, q.Value.Shape(), q.Value.Dtype(), p.Name, p.Value.Shape(), p.Value.Dtype())
		}
		copyDense(p.Value, q.Value)
	}
	return nil
}

// copyDense copies src's values into dst, which has the same shape and
// dtype.
func copyDense(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float32:
		copy(d, src.Data().([]float32))
	case []float64:
		copy(d, src.Data().([]float64))
	}
}
