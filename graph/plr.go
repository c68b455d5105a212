package graph

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PLR embeds each numeric feature on its own: periodic features, a linear
// layer per feature, then ReLU (the "PLR" embedding of Gorishniy et al.,
// "On Embeddings for Numerical Features in Tabular Deep Learning", 2022).
// For feature f with value x and frequencies c_f1..c_fK:
//
//	v_k  = 2π·c_fk·x
//	e_f  = ReLU([cos v_1 … cos v_K, sin v_1 … sin v_K]·W_f + b_f)   (D values)
//
// Every feature has its own frequencies and its own (2K, D) weights, and the
// output concatenates the F embeddings.
type PLR struct {
	// Freq holds the frequencies c, (F, K), trained with the rest.
	Freq Param
	// W holds the per-feature weights, (F, 2K, D).
	W Param
	// B holds the per-feature biases, (1, F·D).
	B Param

	name                 string
	features, freqs, dim int
}

// NewPLR returns an embedding of features numeric inputs with freqs
// frequencies each and dim output values per feature. The frequencies start
// from a normal distribution with standard deviation sigma, which sets how
// fast the embedding can vary across a standardised feature; W is LeCun
// normal and b zero.
func NewPLR(name string, features, freqs, dim int, sigma float64, dtype tensor.Dtype, rng *rand.Rand) (*PLR, error) {
	if features <= 0 || freqs <= 0 || dim <= 0 {
		return nil, fmt.Errorf("graph: plr %s: invalid size: %d features, %d frequencies, %d values", name, features, freqs, dim)
	}
	if !(sigma > 0) {
		return nil, fmt.Errorf("graph: plr %s: frequency scale %v must be positive", name, sigma)
	}
	e := &PLR{name: name, features: features, freqs: freqs, dim: dim}
	var err error
	if e.Freq, err = NewParam(name+"/freq", dtype, []int{features, freqs}, 1, Normal(sigma), rng); err != nil {
		return nil, err
	}
	if e.W, err = NewParam(name+"/W", dtype, []int{features, 2 * freqs, dim}, 2*freqs, LeCunNormal, rng); err != nil {
		return nil, err
	}
	if e.B, err = NewParam(name+"/b", dtype, []int{1, features * dim}, 2*freqs, Zeros, rng); err != nil {
		return nil, err
	}
	return e, nil
}

// Params returns freq, W and b.
func (e *PLR) Params() []Param { return []Param{e.Freq, e.W, e.B} }

// OutputSize returns F·D, the width of the embedding.
func (e *PLR) OutputSize() int { return e.features * e.dim }

// Forward adds the embedding: x (B, F) → (B, F·D). Its nodes are named under
// prefix and the result is named prefix.
func (e *PLR) Forward(s *Scope, x *G.Node, prefix string) (*G.Node, error) {
	if err := checkMatrix(x, -1, e.features); err != nil {
		return nil, fmt.Errorf("plr %s at %s: %w", e.name, prefix, err)
	}
	mark := s.mark()
	freq, err := s.Param(e.Freq)
	if err != nil {
		return nil, err
	}
	w, err := s.Param(e.W)
	if err != nil {
		return nil, err
	}
	b, err := s.Param(e.B)
	if err != nil {
		return nil, err
	}
	periodic, err := G.ApplyOp(periodicOp{}, x, freq) // (B, F·2K)
	if err != nil {
		return nil, fmt.Errorf("plr %s at %s: periodic: %w", e.name, prefix, err)
	}
	namedIfNew(periodic, mark, prefix+"/periodic")
	lin, err := G.ApplyOp(featureLinearOp{}, periodic, w) // (B, F·D)
	if err != nil {
		return nil, fmt.Errorf("plr %s at %s: linear: %w", e.name, prefix, err)
	}
	namedIfNew(lin, mark, prefix+"/linear")
	biased, err := AddBias(lin, b)
	if err != nil {
		return nil, fmt.Errorf("plr %s at %s: bias: %w", e.name, prefix, err)
	}
	namedIfNew(biased, mark, prefix+"/biased")
	out, err := G.Rectify(biased)
	if err != nil {
		return nil, fmt.Errorf("plr %s at %s: relu: %w", e.name, prefix, err)
	}
	namedIfNew(out, mark, prefix)
	s.nameRest(mark, prefix)
	return out, nil
}
