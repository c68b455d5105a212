package graph

import (
	"fmt"
	"strings"
	"unicode"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Param is a named learnable tensor. Name is hierarchical ("hrm/L/gru/W")
// and is also the tensor's key in the model file.
type Param struct {
	Name  string
	Value *tensor.Dense
}

// Size returns the number of values in the parameter.
func (p Param) Size() int { return p.Value.Shape().TotalSize() }

// Scope adds nodes to one expression graph. It binds each Param to a single
// input node, so a parameter used at several unrolled steps is one node.
//
// A Scope is not safe for concurrent use.
type Scope struct {
	g      *G.ExprGraph
	dtype  tensor.Dtype
	params map[string]*G.Node
}

// NewScope returns a Scope that builds a new graph of the given dtype
// (tensor.Float32 or tensor.Float64).
func NewScope(dtype tensor.Dtype) (*Scope, error) {
	if dtype != tensor.Float32 && dtype != tensor.Float64 {
		return nil, fmt.Errorf("graph: unsupported dtype %v: use float32 or float64", dtype)
	}
	return &Scope{g: G.NewGraph(), dtype: dtype, params: map[string]*G.Node{}}, nil
}

// Graph returns the expression graph the scope builds.
func (s *Scope) Graph() *G.ExprGraph { return s.g }

// Dtype returns the element type of every node the scope creates.
func (s *Scope) Dtype() tensor.Dtype { return s.dtype }

// Param returns the input node bound to p's tensor, creating it on first use.
// The node shares p.Value's memory, so values written to the tensor between
// runs are seen by the next run.
func (s *Scope) Param(p Param) (*G.Node, error) {
	if n, ok := s.params[p.Name]; ok {
		if n.Value() != G.Value(p.Value) {
			return nil, fmt.Errorf("graph: two different tensors are named %q", p.Name)
		}
		return n, nil
	}
	if p.Value == nil {
		return nil, fmt.Errorf("graph: parameter %q has no tensor", p.Name)
	}
	if p.Value.Dtype() != s.dtype {
		return nil, fmt.Errorf("graph: parameter %q is %v, the graph is %v", p.Name, p.Value.Dtype(), s.dtype)
	}
	shape := p.Value.Shape()
	n := G.NewTensor(s.g, s.dtype, shape.Dims(), G.WithShape(shape...), G.WithName(p.Name), G.WithValue(p.Value))
	s.params[p.Name] = n
	return n, nil
}

// Input adds a data input node of the given shape, bound to a tensor of
// zeros, so that the graph can run before the caller writes real values
// (with [SetValues] or gorgonia.Let). A shape of no dimensions makes a
// scalar input.
func (s *Scope) Input(name string, shape ...int) *G.Node {
	if len(shape) == 0 {
		var v G.Value
		if s.dtype == tensor.Float32 {
			v = G.NewF32(0)
		} else {
			v = G.NewF64(0)
		}
		return G.NewScalar(s.g, s.dtype, G.WithName(name), G.WithValue(v))
	}
	v := tensor.New(tensor.WithShape(shape...), tensor.Of(s.dtype))
	return G.NewTensor(s.g, s.dtype, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(v))
}

// Scalar returns a scalar constant of the scope's dtype.
func (s *Scope) Scalar(v float64) *G.Node {
	// Gorgonia merges constants by name, so the name carries the value.
	name := fmt.Sprintf("%g", v)
	var c *G.Node
	if s.dtype == tensor.Float32 {
		c = G.NewConstant(float32(v), G.WithName(name))
	} else {
		c = G.NewConstant(v, G.WithName(name))
	}
	return s.g.AddNode(c)
}

// Filled returns a constant tensor of the given shape with every value v.
func (s *Scope) Filled(v float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(s.dtype))
	fill(t, v)
	// Gorgonia merges constants by name, so the name carries value and shape.
	name := fmt.Sprintf("%g%v", v, tensor.Shape(shape))
	return s.g.AddNode(G.NewConstant(t, G.WithName(name)))
}

// mark returns the number of nodes in the graph, for nameRest.
func (s *Scope) mark() int { return len(s.g.AllNodes()) }

// nameRest names the nodes added since mark that the builder did not name,
// such as the nodes Gorgonia's Grad adds, so that every node carries its
// block's prefix.
func (s *Scope) nameRest(mark int, prefix string) {
	for i, n := range s.g.AllNodes()[mark:] {
		if n.Op() == nil || n.Op().Arity() == 0 {
			continue // inputs and constants keep their names
		}
		if name := n.Name(); name == prefix || strings.HasPrefix(name, prefix+"/") {
			continue
		}
		G.WithName(fmt.Sprintf("%s/%s%d", prefix, opWord(n.Op()), i))(n)
	}
}

// opWord returns a short word for an op, for use in a node name: "matmul"
// for "A × B", "mul" for Gorgonia's "⊙ false", "PickSum" for
// "PickSum[0:4×12, 8:12]".
func opWord(op G.Op) string {
	desc := op.String()
	if strings.Contains(desc, "×") && strings.HasPrefix(desc, "A") {
		return "matmul"
	}
	fields := strings.Fields(desc)
	if len(fields) > 0 {
		if word, ok := opSymbols[fields[0]]; ok {
			return word
		}
	}
	words := strings.FieldsFunc(desc, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return "op"
	}
	return words[0]
}

// opSymbols names the symbols that start Gorgonia's descriptions of its
// elementwise binary ops.
var opSymbols = map[string]string{
	"+": "add", "-": "sub", "⊙": "mul", "÷": "div", "^": "pow",
	"<": "lt", ">": "gt", "<=": "le", ">=": "ge", "≤": "le", "≥": "ge", "=": "eq", "≠": "ne",
}

// named gives n the name and returns it, so builders can name a result as
// they return it.
func named(n *G.Node, name string) *G.Node {
	G.WithName(name)(n)
	return n
}

// namedIfNew names n only if it was added after mark. Gorgonia merges a
// repeated expression, such as the same input matmul at every step of a
// cycle, into the node built first, which keeps its first name.
func namedIfNew(n *G.Node, mark int, name string) *G.Node {
	if n.ID() >= int64(mark) {
		G.WithName(name)(n)
	}
	return n
}

// fill sets every value of t to v.
func fill(t *tensor.Dense, v float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v)
		}
	case []float64:
		for i := range d {
			d[i] = v
		}
	}
}

// GradPrefix starts the names of the nodes that Grad adds.
const GradPrefix = "grad/"

// Grad adds the gradient of the scalar cost with respect to each of params
// and returns the gradient nodes in the same order. Each is named
// GradPrefix + the parameter's name; the other nodes Grad adds are named
// under GradPrefix too. Every parameter must reach the cost.
func (s *Scope) Grad(cost *G.Node, params []Param) (G.Nodes, error) {
	wrts := make(G.Nodes, len(params))
	for i, p := range params {
		n, err := s.Param(p)
		if err != nil {
			return nil, err
		}
		wrts[i] = n
	}
	mark := s.mark()
	grads, err := G.Grad(cost, wrts...)
	if err != nil {
		return nil, fmt.Errorf("graph: gradient: %w", err)
	}
	for i, g := range grads {
		namedIfNew(g, mark, GradPrefix+params[i].Name)
	}
	s.nameRest(mark, strings.TrimSuffix(GradPrefix, "/"))
	return grads, nil
}
