package graph

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Linear is a dense layer y = x·W + b.
type Linear struct {
	// W is the weight matrix, (in, out), named name+"/W".
	W Param
	// B is the bias row, (1, out), named name+"/b"; nil for a layer
	// without bias.
	B *Param

	name    string
	in, out int
}

// NewLinear returns a layer from in to out units. weight fills W with fan-in
// in; bias fills b, and a nil bias makes a layer without one.
func NewLinear(name string, in, out int, dtype tensor.Dtype, rng *rand.Rand, weight, bias Init) (*Linear, error) {
	if in <= 0 || out <= 0 {
		return nil, fmt.Errorf("graph: linear %s: invalid size %d → %d", name, in, out)
	}
	l := &Linear{name: name, in: in, out: out}
	var err error
	if l.W, err = NewParam(name+"/W", dtype, []int{in, out}, in, weight, rng); err != nil {
		return nil, err
	}
	if bias != nil {
		b, err := NewParam(name+"/b", dtype, []int{1, out}, in, bias, rng)
		if err != nil {
			return nil, err
		}
		l.B = &b
	}
	return l, nil
}

// Params returns W, then b if the layer has one.
func (l *Linear) Params() []Param {
	if l.B == nil {
		return []Param{l.W}
	}
	return []Param{l.W, *l.B}
}

// Forward adds x·W + b to the graph: x (B, in) → (B, out). Its nodes are
// named under prefix, and the result is named prefix itself.
func (l *Linear) Forward(s *Scope, x *G.Node, prefix string) (*G.Node, error) {
	if err := checkMatrix(x, -1, l.in); err != nil {
		return nil, fmt.Errorf("linear %s at %s: %w", l.name, prefix, err)
	}
	mark := s.mark()
	w, err := s.Param(l.W)
	if err != nil {
		return nil, err
	}
	y, err := G.Mul(x, w) // (B, out)
	if err != nil {
		return nil, fmt.Errorf("linear %s at %s: %w", l.name, prefix, err)
	}
	if l.B != nil {
		namedIfNew(y, mark, prefix+"/xW")
		b, err := s.Param(*l.B)
		if err != nil {
			return nil, err
		}
		if y, err = AddBias(y, b); err != nil {
			return nil, fmt.Errorf("linear %s at %s: %w", l.name, prefix, err)
		}
	}
	namedIfNew(y, mark, prefix)
	s.nameRest(mark, prefix)
	return y, nil
}

// checkMatrix returns an error unless n is a matrix with the given number
// of rows and columns; -1 accepts any size.
func checkMatrix(n *G.Node, rows, cols int) error {
	shape := n.Shape()
	if len(shape) != 2 {
		return fmt.Errorf("input %s has shape %v, want a matrix", n.Name(), shape)
	}
	if (rows >= 0 && shape[0] != rows) || (cols >= 0 && shape[1] != cols) {
		return fmt.Errorf("input %s has shape %v, want %s", n.Name(), shape, shapeString(rows, cols))
	}
	return nil
}

// shapeString formats a wanted matrix shape, writing B for any row count.
func shapeString(rows, cols int) string {
	r := "B"
	if rows >= 0 {
		r = fmt.Sprint(rows)
	}
	c := "any"
	if cols >= 0 {
		c = fmt.Sprint(cols)
	}
	return "(" + r + ", " + c + ")"
}
