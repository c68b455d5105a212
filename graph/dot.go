package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	G "gorgonia.org/gorgonia"
)

// DOTOptions controls WriteDOT.
type DOTOptions struct {
	// Title labels the whole graph; empty for none.
	Title string
	// Clusters group nodes into labelled boxes: a node belongs to the first
	// cluster whose Prefix its name starts with. Nodes in no cluster are
	// drawn at the top level.
	Clusters []Cluster
	// Notes adds lines to the labels of the nodes with the given names,
	// such as the feature names of the input matrix.
	Notes map[string][]string
	// Params names the input nodes that are learnable parameters, drawn
	// apart from data inputs.
	Params map[string]bool
	// Shape returns the text for a node's shape; nil writes the shape as
	// Gorgonia stores it, such as (512, 128).
	Shape func(i int, n *G.Node) string
}

// Cluster is a named group of nodes in a DOT export.
type Cluster struct {
	Prefix string
	Label  string
}

// WriteDOT writes g in Graphviz DOT. Node ids are n0, n1, … in the order
// the nodes were added to the graph, so the same build gives the same file
// on every run. Each label shows the node's name, its op and its shape.
// Names and notes may hold any text: quotes, backslashes and control
// characters are escaped, and invalid UTF-8 is replaced, so that dot reads
// every label as plain text.
func WriteDOT(w io.Writer, g *G.ExprGraph, opts DOTOptions) error {
	nodes := g.AllNodes()
	index := make(map[int64]int, len(nodes))
	for i, n := range nodes {
		index[n.ID()] = i
	}
	clusterOf := make([]int, len(nodes))
	members := make([][]int, len(opts.Clusters))
	var loose []int
	for i, n := range nodes {
		clusterOf[i] = -1
		for c, cl := range opts.Clusters {
			if strings.HasPrefix(n.Name(), cl.Prefix) {
				clusterOf[i] = c
				members[c] = append(members[c], i)
				break
			}
		}
		if clusterOf[i] < 0 {
			loose = append(loose, i)
		}
	}

	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph hrmg {")
	fmt.Fprintln(bw, "\trankdir=TB;")
	fmt.Fprintln(bw, `	node [fontname="Helvetica", fontsize=10];`)
	fmt.Fprintln(bw, `	edge [color="#555555", arrowsize=0.6];`)
	if opts.Title != "" {
		fmt.Fprintf(bw, "\tlabel=\"%s\";\n\tlabelloc=t;\n", DOTEscape(opts.Title))
	}
	for c, cl := range opts.Clusters {
		if len(members[c]) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\tsubgraph cluster_%d {\n", c)
		fmt.Fprintf(bw, "\t\tlabel=\"%s\";\n\t\tstyle=rounded;\n\t\tcolor=\"#888888\";\n", DOTEscape(cl.Label))
		for _, i := range members[c] {
			writeDOTNode(bw, "\t\t", i, nodes[i], opts)
		}
		fmt.Fprintln(bw, "\t}")
	}
	for _, i := range loose {
		writeDOTNode(bw, "\t", i, nodes[i], opts)
	}
	for i, n := range nodes {
		for _, child := range childrenOf(n) {
			j, ok := index[child.ID()]
			if !ok {
				return fmt.Errorf("graph: dot: node %s reads a node outside the graph", n.Name())
			}
			fmt.Fprintf(bw, "\tn%d -> n%d;\n", j, i)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// writeDOTNode writes node i's declaration.
func writeDOTNode(w io.Writer, indent string, i int, n *G.Node, opts DOTOptions) {
	shape := fmt.Sprint(n.Shape())
	if len(n.Shape()) == 0 {
		shape = "scalar"
	}
	if opts.Shape != nil {
		shape = opts.Shape(i, n)
	}
	op := opLabel(n)
	if opts.Params[n.Name()] {
		op = "parameter"
	}
	lines := []string{n.Name(), op, shape}
	lines = append(lines, opts.Notes[n.Name()]...)
	escaped := make([]string, len(lines))
	for k, l := range lines {
		escaped[k] = DOTEscape(l)
	}
	style := `shape=ellipse`
	switch {
	case opts.Params[n.Name()]:
		style = `shape=box, style=filled, fillcolor="#fdf3d8"`
	case n.Op() == nil:
		style = `shape=box, style=filled, fillcolor="#e8eef7"`
	case n.Op().Arity() == 0:
		style = `shape=box, style=dashed`
	}
	fmt.Fprintf(w, "%sn%d [label=\"%s\", %s];\n", indent, i, strings.Join(escaped, `\n`), style)
}

// opLabel describes a node's op: "input" for an input, "constant" for a
// constant, and Gorgonia's description otherwise, with the retSame flag of
// elementwise ops left out.
func opLabel(n *G.Node) string {
	op := n.Op()
	switch {
	case op == nil:
		return "input"
	case op.Arity() == 0:
		return "constant"
	}
	s := op.String()
	if cut, ok := strings.CutSuffix(s, " false"); ok {
		return cut
	}
	if cut, ok := strings.CutSuffix(s, " true"); ok {
		return cut + " (as 0/1)"
	}
	return s
}

// DOTEscape returns s for use inside a double-quoted DOT string: `\` and
// `"` are escaped, a line break becomes a DOT line break, other control
// characters become spaces and invalid UTF-8 becomes U+FFFD. Graphviz reads
// `<`, `>`, `:`, braces and non-ASCII letters in a quoted label as plain
// text, so they stay as they are.
func DOTEscape(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
