package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SetValues copies src into the tensor bound to the input node n, converting
// to the node's dtype. It writes in place, which is how a graph built once
// takes a new minibatch: the machine reads input tensors by reference.
func SetValues[T float32 | float64](n *G.Node, src []T) error {
	switch v := n.Value().(type) {
	case *tensor.Dense:
		switch d := v.Data().(type) {
		case []float32:
			return convertInto(n, d, src)
		case []float64:
			return convertInto(n, d, src)
		default:
			return fmt.Errorf("graph: set %s: unsupported dtype %v", n.Name(), v.Dtype())
		}
	case *G.F32:
		if len(src) != 1 {
			return fmt.Errorf("graph: set scalar %s: %d values", n.Name(), len(src))
		}
		*v = G.F32(src[0])
		return nil
	case *G.F64:
		if len(src) != 1 {
			return fmt.Errorf("graph: set scalar %s: %d values", n.Name(), len(src))
		}
		*v = G.F64(src[0])
		return nil
	case nil:
		return fmt.Errorf("graph: set %s: node has no value bound", n.Name())
	default:
		return fmt.Errorf("graph: set %s: unsupported value type %T", n.Name(), v)
	}
}

// convertInto copies src into dst, converting the element type.
func convertInto[D, S float32 | float64](n *G.Node, dst []D, src []S) error {
	if len(dst) != len(src) {
		return fmt.Errorf("graph: set %s: %d values for shape %v", n.Name(), len(src), n.Shape())
	}
	for i, x := range src {
		dst[i] = D(x)
	}
	return nil
}

// Values returns a float64 copy of the value bound to n, such as an output
// read after a run. It returns nil if n has no value yet.
func Values(n *G.Node) []float64 {
	return valuesOf(n.Value())
}

// Scalar returns the value of a scalar node, such as a loss, after a run.
// It returns NaN if the node has no value yet.
func Scalar(n *G.Node) float64 {
	v := valuesOf(n.Value())
	if len(v) != 1 {
		return math.NaN()
	}
	return v[0]
}

func valuesOf(v G.Value) []float64 {
	switch v := v.(type) {
	case *tensor.Dense:
		switch d := v.Data().(type) {
		case []float32:
			out := make([]float64, len(d))
			for i, x := range d {
				out[i] = float64(x)
			}
			return out
		case []float64:
			return append([]float64(nil), d...)
		case float32:
			return []float64{float64(d)}
		case float64:
			return []float64{d}
		}
	case *G.F32:
		return []float64{float64(*v)}
	case *G.F64:
		return []float64{float64(*v)}
	}
	return nil
}

// Keep returns a node that holds a copy of n, made when n is computed.
//
// Gorgonia reuses the memory of a node for an elementwise op that reads it
// last, so after a run the value bound to an intermediate node may hold
// something else. No op reads a Keep node, and each run allocates a new
// copy, so its value stays valid after the machine is reset, and the next run
// binds a new copy without changing the old one. Read outputs through Keep.
func Keep(n *G.Node, name string) (*G.Node, error) {
	k, err := G.ApplyOp(keepOp{dims: n.Dims()}, n)
	if err != nil {
		return nil, fmt.Errorf("graph: keep %s: %w", name, err)
	}
	return named(k, name), nil
}

// keepOp copies its input. It has no gradient: nothing is computed from it.
type keepOp struct {
	noGrad
	dims int
}

func (op keepOp) Arity() int { return 1 }

func (op keepOp) Type() hm.Type {
	if op.dims == 0 {
		a := hm.TypeVariable('a')
		return hm.NewFnType(a, a)
	}
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op keepOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("keep: input shape is %T", in[0])
	}
	return s.Clone(), nil
}

func (op keepOp) Do(in ...G.Value) (G.Value, error) {
	switch v := in[0].(type) {
	case *tensor.Dense:
		return v.Clone().(*tensor.Dense), nil
	case *G.F32:
		c := *v
		return &c, nil
	case *G.F64:
		c := *v
		return &c, nil
	}
	return nil, fmt.Errorf("keep: unsupported value %T", in[0])
}

func (op keepOp) ReturnsPtr() bool      { return false }
func (op keepOp) CallsExtern() bool     { return false }
func (op keepOp) OverwritesInput() int  { return -1 }
func (op keepOp) String() string        { return "Keep" }
func (op keepOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "keep%d", op.dims) }
func (op keepOp) Hashcode() uint32      { return hashOf(op) }

// noGrad makes an op that is never differentiated, such as a gradient op
// or Keep, an SDOp that declares no input differentiable. Gorgonia's Grad
// refuses a graph where an op without SDOp is the only reader of a node,
// so without it Grad would fail on a graph that already has a Keep or a
// gradient.
type noGrad struct{}

func (noGrad) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

func (noGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("graph: op has no gradient")
}
