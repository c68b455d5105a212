package graph

import (
	"strings"

	G "gorgonia.org/gorgonia"
)

// MatMulFLOPs returns the floating-point operations of the matrix products
// in g, counting 2·m·k·n for each (m,k)×(k,n) product and the same for each
// feature's block of a PLR per-feature layer. Gradient products count as
// well, so call it on a forward-only graph for the forward cost.
func MatMulFLOPs(g *G.ExprGraph) float64 {
	total := 0.0
	for _, n := range g.AllNodes() {
		switch op := n.Op().(type) {
		case featureLinearOp:
			total += featureLinearFLOPs(n)
		case nil:
		default:
			if !strings.HasPrefix(op.String(), "A × B") {
				continue
			}
			children := childrenOf(n)
			if len(children) != 2 {
				continue
			}
			a, b := children[0].Shape(), children[1].Shape()
			if len(a) == 2 && len(b) == 2 {
				total += 2 * float64(a[0]) * float64(a[1]) * float64(b[1])
			}
		}
	}
	return total
}

// featureLinearFLOPs returns 2·B·F·M·D for a per-feature layer node.
func featureLinearFLOPs(n *G.Node) float64 {
	children := childrenOf(n)
	if len(children) != 2 {
		return 0
	}
	p, w := children[0].Shape(), children[1].Shape()
	return 2 * float64(p[0]) * float64(w[0]) * float64(w[1]) * float64(w[2])
}

// childrenOf returns n's inputs in order.
func childrenOf(n *G.Node) []*G.Node {
	it := n.Graph().From(n.ID())
	var out []*G.Node
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}
