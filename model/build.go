package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
)

// Names of the graphs' data inputs and outputs.
const (
	NameX    = "data/x"
	NameY    = "data/y"
	NameMask = "data/mask"
	NameZH0  = "data/zH0"
	NameZL0  = "data/zL0"
	NameTau  = "data/tau"

	NamePred       = "hrm/out/pred"
	NamePonder     = "hrm/out/ponder_steps"
	NameZH         = "hrm/out/zH"
	NameZL         = "hrm/out/zL"
	NameLoss       = "hrm/out/loss"
	NameTaskLoss   = "hrm/out/task_loss"
	NamePonderLoss = "hrm/out/ponder_loss"
)

// TrainGraph is the graph of one training minibatch: the forward pass, the
// loss and the gradients of every learnable parameter.
//
// Inputs are bound to zero tensors when the graph is built. Write each
// minibatch into them with graph.SetValues (or gorgonia.Let a tensor of the
// same shape and dtype); a machine reads them by reference. Output nodes
// hold copies made during the run, valid after the machine is reset; the
// gradient nodes' values are valid until the machine is reset.
type TrainGraph struct {
	Graph *G.ExprGraph
	// Batch is the number of rows B the graph was built for.
	Batch int

	// X is the feature matrix (B,F), in the units the model was trained in.
	X *G.Node
	// Y is the target (B,1), in the same units as the prediction.
	Y *G.Node
	// Mask is 1 for a real row and 0 for a padding row (B,1), so that a
	// last partial batch is padded instead of dropped. Padding rows add
	// nothing to the loss or the gradients.
	Mask *G.Node
	// ZH0 and ZL0 are the initial high- and low-level states (B,H). Zero
	// for a fresh pass; deep supervision writes the previous segment's ZH
	// and ZL values here.
	ZH0, ZL0 *G.Node
	// Tau is the scalar weight τ of the ponder term in Loss; nil with
	// halting "none".
	Tau *G.Node

	// Pred is the prediction (B,1).
	Pred *G.Node
	// PonderSteps is the number of cycles each row used (B,1): N for
	// "act", the expected number for "ponder", the fixed count for "none".
	PonderSteps *G.Node
	// ZH and ZL are the final states (B,H): the states of the last cycle,
	// or with halting their mixture under the halting weights.
	ZH, ZL *G.Node
	// Loss is the scalar minimised: TaskLoss + τ·PonderLoss for "act"; the
	// halting-weighted mean of every cycle's squared error + τ·PonderLoss
	// for "ponder"; TaskLoss for "none".
	Loss *G.Node
	// TaskLoss is the masked mean squared error of Pred; the same node as
	// Loss with halting "none".
	TaskLoss *G.Node
	// PonderLoss is the masked mean ponder cost N + R for "act", the masked
	// mean KL divergence from the prior for "ponder"; nil for "none".
	PonderLoss *G.Node

	// Learnables are the parameter nodes, in the order of HRM.Params.
	Learnables G.Nodes
	// Grads are ∂Loss/∂ of each learnable, in the same order.
	Grads G.Nodes
}

// InferGraph is a forward-only graph for evaluation and prediction. Its
// inputs and outputs behave as TrainGraph's.
type InferGraph struct {
	Graph *G.ExprGraph
	Batch int

	X        *G.Node
	ZH0, ZL0 *G.Node

	Pred        *G.Node
	PonderSteps *G.Node
	ZH, ZL      *G.Node
}

// forwardPass holds the nodes of one forward pass before its outputs are
// kept.
type forwardPass struct {
	pred, steps, zH, zL *G.Node
	// preds holds each cycle's head output (B,1), for PonderNet's loss.
	preds []*G.Node
	// weights are the halting weights of each cycle (B,1); nil for "none".
	weights []*G.Node
	// ponder is the per-row ponder cost N + R ("act") or KL ("ponder").
	ponder *G.Node
}

// BuildTrain returns the training graph for minibatches of batch rows.
func (m *HRM) BuildTrain(batch int) (*TrainGraph, error) {
	if batch < 1 {
		return nil, fmt.Errorf("model: build training graph: batch %d must be at least 1", batch)
	}
	s, err := graph.NewScope(m.cfg.dtype())
	if err != nil {
		return nil, err
	}
	h := m.cfg.Hidden
	tg := &TrainGraph{
		Graph: s.Graph(),
		Batch: batch,
		X:     s.Input(NameX, batch, len(m.features)),
		Y:     s.Input(NameY, batch, 1),
		Mask:  s.Input(NameMask, batch, 1),
		ZH0:   s.Input(NameZH0, batch, h),
		ZL0:   s.Input(NameZL0, batch, h),
	}
	if err := graph.SetValues(tg.Mask, ones(batch)); err != nil {
		return nil, err
	}
	fw, err := m.forward(s, tg.X, tg.ZH0, tg.ZL0)
	if err != nil {
		return nil, err
	}

	sq, err := graph.SquaredError(s, "hrm/loss/sq", fw.pred, tg.Y)
	if err != nil {
		return nil, err
	}
	task, err := graph.MaskedMean(s, "hrm/loss/task", sq, tg.Mask)
	if err != nil {
		return nil, err
	}
	loss := task
	if m.cfg.Halting != HaltingNone {
		if loss, tg.Tau, tg.PonderLoss, err = m.ponderLoss(s, fw, task, tg.Y, tg.Mask); err != nil {
			return nil, err
		}
	}

	params := m.Params()
	if tg.Learnables, err = paramNodes(s, params); err != nil {
		return nil, err
	}
	if tg.Grads, err = s.Grad(loss, params); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	outs := []struct {
		dst  **G.Node
		src  *G.Node
		name string
	}{
		{&tg.Pred, fw.pred, NamePred},
		{&tg.PonderSteps, fw.steps, NamePonder},
		{&tg.ZH, fw.zH, NameZH},
		{&tg.ZL, fw.zL, NameZL},
		{&tg.Loss, loss, NameLoss},
	}
	if m.cfg.Halting != HaltingNone {
		// Without halting the loss is the task loss, and Keep of one node
		// twice would be merged into one node anyway.
		outs = append(outs, struct {
			dst  **G.Node
			src  *G.Node
			name string
		}{&tg.TaskLoss, task, NameTaskLoss}, struct {
			dst  **G.Node
			src  *G.Node
			name string
		}{&tg.PonderLoss, tg.PonderLoss, NamePonderLoss})
	}
	for _, o := range outs {
		if *o.dst, err = graph.Keep(o.src, o.name); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	if tg.TaskLoss == nil {
		tg.TaskLoss = tg.Loss
	}
	return tg, nil
}

// ponderLoss adds the τ input and the loss with its ponder term, and returns
// the loss, τ and the masked mean ponder term.
func (m *HRM) ponderLoss(s *graph.Scope, fw *forwardPass, task, y, mask *G.Node) (loss, tau, ponder *G.Node, err error) {
	tau = s.Input(NameTau)
	if err := graph.SetValues(tau, []float64{m.cfg.PonderWeight}); err != nil {
		return nil, nil, nil, err
	}
	if ponder, err = graph.MaskedMean(s, "hrm/loss/ponder", fw.ponder, mask); err != nil {
		return nil, nil, nil, err
	}
	fit := task
	if m.cfg.Halting == HaltingPonder {
		// PonderNet fits every cycle's prediction, weighted by the
		// probability of halting there: Σ_n p_n·(ŷ_n − y)².
		errs := make([]*G.Node, len(fw.preds))
		for i, p := range fw.preds {
			if errs[i], err = graph.SquaredError(s, fmt.Sprintf("hrm/loss/c%d/sq", i+1), p, y); err != nil {
				return nil, nil, nil, err
			}
		}
		weighted, err := graph.Mix(s, "hrm/loss/sq_mix", fw.weights, errs)
		if err != nil {
			return nil, nil, nil, err
		}
		if fit, err = graph.MaskedMean(s, "hrm/loss/fit", weighted, mask); err != nil {
			return nil, nil, nil, err
		}
	}
	scaled, err := G.Mul(tau, ponder)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("model: ponder loss: %w", err)
	}
	G.WithName("hrm/loss/ponder_scaled")(scaled)
	if loss, err = G.Add(fit, scaled); err != nil {
		return nil, nil, nil, fmt.Errorf("model: loss: %w", err)
	}
	G.WithName("hrm/loss/total")(loss)
	return loss, tau, ponder, nil
}

// BuildInference returns a forward-only graph for batch rows.
func (m *HRM) BuildInference(batch int) (*InferGraph, error) {
	if batch < 1 {
		return nil, fmt.Errorf("model: build inference graph: batch %d must be at least 1", batch)
	}
	s, err := graph.NewScope(m.cfg.dtype())
	if err != nil {
		return nil, err
	}
	h := m.cfg.Hidden
	ig := &InferGraph{
		Graph: s.Graph(),
		Batch: batch,
		X:     s.Input(NameX, batch, len(m.features)),
		ZH0:   s.Input(NameZH0, batch, h),
		ZL0:   s.Input(NameZL0, batch, h),
	}
	fw, err := m.forward(s, ig.X, ig.ZH0, ig.ZL0)
	if err != nil {
		return nil, err
	}
	for _, o := range []struct {
		dst  **G.Node
		src  *G.Node
		name string
	}{
		{&ig.Pred, fw.pred, NamePred},
		{&ig.PonderSteps, fw.steps, NamePonder},
		{&ig.ZH, fw.zH, NameZH},
		{&ig.ZL, fw.zL, NameZL},
	} {
		if *o.dst, err = graph.Keep(o.src, o.name); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	return ig, nil
}

// forward adds the HRM's forward pass: x (B,F), zH0, zL0 (B,H). Per cycle
// n = 1..K:
//
//	u   = x̃ + z_H·P                 the plan: H steers L
//	z_L = GRU_L(u, z_L)             T times
//	z_H = GRU_H(z_L, z_H)
//	ŷ_n = head(z_H),  halting logit_n = halt(z_H)
//
// where x̃ is the encoded input. Without halting the outputs are cycle K's;
// with halting they are mixed under the halting weights.
func (m *HRM) forward(s *graph.Scope, x, zH0, zL0 *G.Node) (*forwardPass, error) {
	xt, err := m.encode(s, x) // (B,H)
	if err != nil {
		return nil, err
	}
	k := m.cfg.UnrolledCycles()
	zH, zL := zH0, zL0
	var preds, logits, zHs, zLs []*G.Node
	for n := 1; n <= k; n++ {
		plan, err := m.plan.Forward(s, zH, fmt.Sprintf("hrm/plan/c%d", n)) // (B,H)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		u, err := G.Add(xt, plan) // (B,H)
		if err != nil {
			return nil, fmt.Errorf("model: cycle %d: L input: %w", n, err)
		}
		G.WithName(fmt.Sprintf("hrm/L/c%d/in", n))(u)
		for t := 1; t <= m.cfg.Steps; t++ {
			if zL, err = m.low.Step(s, u, zL, fmt.Sprintf("hrm/L/c%dt%d", n, t)); err != nil {
				return nil, fmt.Errorf("model: %w", err)
			}
		}
		if zH, err = m.high.Step(s, zL, zH, fmt.Sprintf("hrm/H/c%d", n)); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		pred, err := m.head.Forward(s, zH, fmt.Sprintf("hrm/head/c%d", n)) // (B,1)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		preds, zHs, zLs = append(preds, pred), append(zHs, zH), append(zLs, zL)
		if m.halt != nil && n < k {
			logit, err := m.halt.Forward(s, zH, fmt.Sprintf("hrm/halt/c%d/logit", n)) // (B,1)
			if err != nil {
				return nil, fmt.Errorf("model: %w", err)
			}
			logits = append(logits, logit)
		}
	}

	fw := &forwardPass{preds: preds}
	batch := x.Shape()[0]
	switch m.cfg.Halting {
	case HaltingNone:
		fw.pred, fw.zH, fw.zL = preds[k-1], zH, zL
		fw.steps = s.Filled(float64(k), batch, 1)
		return fw, nil
	case HaltingACT:
		act, err := graph.NewACT(s, "hrm/halt", logits, m.cfg.ACTEpsilon)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		fw.weights, fw.steps, fw.ponder = act.Weights, act.Steps, act.Cost
	case HaltingPonder:
		pn, err := graph.NewPonderNet(s, "hrm/halt", logits, m.cfg.PonderPrior)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		fw.weights, fw.steps, fw.ponder = pn.Weights, pn.Steps, pn.KL
	}
	if fw.pred, err = graph.Mix(s, "hrm/halt/pred", fw.weights, preds); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if fw.zH, err = graph.Mix(s, "hrm/halt/zH", fw.weights, zHs); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if fw.zL, err = graph.Mix(s, "hrm/halt/zL", fw.weights, zLs); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return fw, nil
}

// encode adds the input encoder: x (B,F) → x̃ (B,H).
func (m *HRM) encode(s *graph.Scope, x *G.Node) (*G.Node, error) {
	if m.linear != nil {
		xt, err := m.linear.Forward(s, x, "hrm/input/linear")
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		return xt, nil
	}
	emb, err := m.plr.Forward(s, x, "hrm/input/plr") // (B, F·D)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	xt, err := m.proj.Forward(s, emb, "hrm/input/proj")
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return xt, nil
}

// paramNodes returns the graph nodes of params, in order.
func paramNodes(s *graph.Scope, params []graph.Param) (G.Nodes, error) {
	nodes := make(G.Nodes, len(params))
	for i, p := range params {
		n, err := s.Param(p)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
