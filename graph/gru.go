package graph

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GRU is a gated recurrent unit cell in PyTorch's convention:
//
//	r  = σ(x·Wr + h·Ur + br)
//	z  = σ(x·Wz + h·Uz + bz)
//	n  = tanh(x·Wn + bn + r ⊙ (h·Un + bhn))
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// The three gates' weights sit side by side, W = [Wr | Wz | Wn], as in
// PyTorch's weight_ih_l0 transposed, so each step is two matrix products
// of width 3H instead of six of width H. PyTorch keeps separate input and
// recurrent biases for r and z; only their sum matters, so br and bz are
// single biases here.
type GRU struct {
	// W holds the input weights [Wr | Wz | Wn], (in, 3H).
	W Param
	// U holds the recurrent weights [Ur | Uz | Un], (H, 3H).
	U Param
	// B holds the biases [br | bz | bn], (1, 3H).
	B Param
	// BHN is the bias of the candidate's recurrent part, which the reset
	// gate scales, (1, H).
	BHN Param

	name       string
	in, hidden int
}

// NewGRU returns a cell from in inputs to hidden units, with LeCun normal
// weights and zero biases. Its parameters are named name+"/W", "/U", "/b"
// and "/bhn".
func NewGRU(name string, in, hidden int, dtype tensor.Dtype, rng *rand.Rand) (*GRU, error) {
	if in <= 0 || hidden <= 0 {
		return nil, fmt.Errorf("graph: gru %s: invalid size %d → %d", name, in, hidden)
	}
	c := &GRU{name: name, in: in, hidden: hidden}
	specs := []struct {
		p     *Param
		key   string
		shape []int
		fanIn int
		init  Init
	}{
		{&c.W, "W", []int{in, 3 * hidden}, in, LeCunNormal},
		{&c.U, "U", []int{hidden, 3 * hidden}, hidden, LeCunNormal},
		{&c.B, "b", []int{1, 3 * hidden}, hidden, Zeros},
		{&c.BHN, "bhn", []int{1, hidden}, hidden, Zeros},
	}
	for _, s := range specs {
		p, err := NewParam(name+"/"+s.key, dtype, s.shape, s.fanIn, s.init, rng)
		if err != nil {
			return nil, err
		}
		*s.p = p
	}
	return c, nil
}

// Params returns W, U, b and bhn.
func (c *GRU) Params() []Param { return []Param{c.W, c.U, c.B, c.BHN} }

// Hidden returns the number of hidden units H.
func (c *GRU) Hidden() int { return c.hidden }

// Step adds one step of the cell: x (B, in), h (B, H) → h' (B, H). The two
// products x·W and h·U (B, 3H) are Gorgonia matmuls; the gates and the
// update run in one fused op with its own gradient. Its nodes are named
// under prefix and the result is named prefix+"/h". When several steps read
// the same x, Gorgonia merges their x·W into one node, computed once.
func (c *GRU) Step(s *Scope, x, h *G.Node, prefix string) (*G.Node, error) {
	if err := checkMatrix(x, -1, c.in); err != nil {
		return nil, fmt.Errorf("gru %s at %s: %w", c.name, prefix, err)
	}
	if err := checkMatrix(h, x.Shape()[0], c.hidden); err != nil {
		return nil, fmt.Errorf("gru %s at %s: state: %w", c.name, prefix, err)
	}
	mark := s.mark()
	nodes := make([]*G.Node, 4)
	for i, p := range c.Params() {
		n, err := s.Param(p)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	w, u, b, bhn := nodes[0], nodes[1], nodes[2], nodes[3]
	xw, err := G.Mul(x, w) // (B, 3H)
	if err != nil {
		return nil, fmt.Errorf("gru %s at %s: x·W: %w", c.name, prefix, err)
	}
	namedIfNew(xw, mark, prefix+"/xW")
	hu, err := G.Mul(h, u) // (B, 3H)
	if err != nil {
		return nil, fmt.Errorf("gru %s at %s: h·U: %w", c.name, prefix, err)
	}
	namedIfNew(hu, mark, prefix+"/hU")
	out, err := G.ApplyOp(&gruStepOp{}, xw, hu, h, b, bhn)
	if err != nil {
		return nil, fmt.Errorf("gru %s at %s: %w", c.name, prefix, err)
	}
	named(out, prefix+"/h")
	s.nameRest(mark, prefix)
	return out, nil
}
