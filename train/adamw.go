package train

import (
	"fmt"
	"math"
)

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2019),
// written to match torch.optim.AdamW (PyTorch 1.13, amsgrad off,
// maximize off). For each parameter p with gradient g at step t:
//
//	p ← p · (1 − lr·wd)
//	m ← β1·m + (1 − β1)·g
//	v ← β2·v + (1 − β2)·g²
//	p ← p − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε)
//
// Gorgonia's own NewAdamW cannot be used: in v0.9.18 its decay step writes
// into a new tensor, so the weights never change.
type AdamW struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64

	// Step counts the updates applied so far; bias correction uses it.
	Step int
	// M and V are the first and second moment estimates, one slice per
	// parameter, in the order the parameters are passed to Update.
	M, V [][]float32
}

// NewAdamW returns an optimizer with PyTorch's default betas (0.9, 0.999)
// and ε = 1e-8.
func NewAdamW(weightDecay float64) *AdamW {
	return &AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
}

// Update applies one step at learning rate lr to params, in place, using
// grads. The i-th gradient belongs to the i-th parameter, and every call
// must pass the parameters in the same order and sizes.
func (o *AdamW) Update(lr float64, params, grads [][]float32) error {
	if len(params) != len(grads) {
		return fmt.Errorf("adamw: %d parameters but %d gradients", len(params), len(grads))
	}
	if o.M == nil {
		o.M = make([][]float32, len(params))
		o.V = make([][]float32, len(params))
		for i, p := range params {
			o.M[i] = make([]float32, len(p))
			o.V[i] = make([]float32, len(p))
		}
	}
	if len(o.M) != len(params) {
		return fmt.Errorf("adamw: the optimizer state has %d parameters, the update passed %d", len(o.M), len(params))
	}
	for i, p := range params {
		if len(grads[i]) != len(p) || len(o.M[i]) != len(p) {
			return fmt.Errorf("adamw: parameter %d has %d values, gradient %d, state %d", i, len(p), len(grads[i]), len(o.M[i]))
		}
	}

	o.Step++
	b1, b2 := o.Beta1, o.Beta2
	bc1 := 1 - math.Pow(b1, float64(o.Step))
	bc2Sqrt := math.Sqrt(1 - math.Pow(b2, float64(o.Step)))
	stepSize := lr / bc1
	decay := 1 - lr*o.WeightDecay
	for i, p := range params {
		g, m, v := grads[i], o.M[i], o.V[i]
		for j := range p {
			gj := float64(g[j])
			mj := b1*float64(m[j]) + (1-b1)*gj
			vj := b2*float64(v[j]) + (1-b2)*gj*gj
			m[j], v[j] = float32(mj), float32(vj)
			denom := math.Sqrt(vj)/bc2Sqrt + o.Eps
			p[j] = float32(float64(p[j])*decay - stepSize*mj/denom)
		}
	}
	return nil
}

// ClipGlobalNorm scales grads in place so that their joint L2 norm is at
// most maxNorm, as torch.nn.utils.clip_grad_norm_ does, and returns the
// norm before clipping. A maxNorm of 0 or less disables clipping. The norm
// is NaN or +Inf when a gradient is not finite; grads are then left as they
// are, so the caller can stop.
func ClipGlobalNorm(grads [][]float32, maxNorm float64) float64 {
	var sum float64
	for _, g := range grads {
		for _, x := range g {
			sum += float64(x) * float64(x)
		}
	}
	norm := math.Sqrt(sum)
	if maxNorm <= 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	// PyTorch adds 1e-6 to the norm before dividing.
	coef := maxNorm / (norm + 1e-6)
	if coef >= 1 {
		return norm
	}
	c := float32(coef)
	for _, g := range grads {
		for j := range g {
			g[j] *= c
		}
	}
	return norm
}
