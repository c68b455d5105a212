package model

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
)

// ExportOptions controls WriteDOT.
type ExportOptions struct {
	// WithGradients exports the training graph with its loss and gradient
	// nodes instead of the forward graph.
	WithGradients bool
	// FeatureNames label the columns of the input matrix; nil uses the
	// model's own feature names. A list of another length is ignored.
	FeatureNames []string
}

// exportClusters groups the graph by module, in the order they run.
var exportClusters = []graph.Cluster{
	{Prefix: "data/", Label: "inputs"},
	{Prefix: "hrm/input/", Label: "input encoder"},
	{Prefix: "hrm/plan/", Label: "plan: z_H steers the L module"},
	{Prefix: "hrm/L/", Label: "L module (low level)"},
	{Prefix: "hrm/H/", Label: "H module (high level)"},
	{Prefix: "hrm/head/", Label: "output head"},
	{Prefix: "hrm/halt/", Label: "halting"},
	{Prefix: "hrm/loss/", Label: "loss"},
	{Prefix: "hrm/out/", Label: "outputs"},
	{Prefix: graph.GradPrefix, Label: "gradients"},
}

// WriteDOT writes the model's graph in Graphviz DOT, clustered by module:
// the forward graph, or with opts.WithGradients the training graph. Shapes
// show the batch dimension as B. The output is the same on every run for
// the same model and options.
func (m *HRM) WriteDOT(w io.Writer, opts ExportOptions) error {
	// Build the graph for two batch sizes: the dimensions that differ are
	// the batch dimension.
	var graphs [2]*G.ExprGraph
	for i, batch := range []int{1, 2} {
		if opts.WithGradients {
			tg, err := m.BuildTrain(batch)
			if err != nil {
				return err
			}
			graphs[i] = tg.Graph
		} else {
			ig, err := m.BuildInference(batch)
			if err != nil {
				return err
			}
			graphs[i] = ig.Graph
		}
	}
	small, large := graphs[0].AllNodes(), graphs[1].AllNodes()
	if len(small) != len(large) {
		return fmt.Errorf("model: export: graphs of batch 1 and 2 have %d and %d nodes", len(small), len(large))
	}

	features := m.features
	if len(opts.FeatureNames) == len(m.features) {
		features = opts.FeatureNames
	}
	params := map[string]bool{}
	for _, p := range m.Params() {
		params[p.Name] = true
	}
	dopts := graph.DOTOptions{
		Params:   params,
		Title:    m.describe(),
		Clusters: exportClusters,
		Notes:    map[string][]string{NameX: wrapList("features: ", features, 60)},
		Shape: func(i int, n *G.Node) string {
			return batchShape(n.Shape(), large[i].Shape())
		},
	}
	return graph.WriteDOT(w, graphs[0], dopts)
}

// describe returns a one-line summary of the architecture.
func (m *HRM) describe() string {
	c := m.cfg
	cycles := fmt.Sprintf("N = %d cycles", c.Cycles)
	if c.Halting != HaltingNone {
		cycles = fmt.Sprintf("up to K = %d cycles", c.MaxCycles)
	}
	return fmt.Sprintf("HRM: %d features, hidden %d, %s of T = %d steps, M = %d segments, input %s, halting %s, %s",
		len(m.features), c.Hidden, cycles, c.Steps, c.Segments, c.Input, c.Halting, c.DType)
}

// batchShape formats a node's shape from the batch-1 graph. A dimension
// that doubles in the batch-2 graph is written B, or k·B for a flat
// dimension of k values a row.
func batchShape(batch1, batch2 []int) string {
	if len(batch1) == 0 {
		return "scalar"
	}
	parts := make([]string, len(batch1))
	for d, v := range batch1 {
		switch {
		case d >= len(batch2) || batch2[d] == v:
			parts[d] = fmt.Sprint(v)
		case batch2[d] == 2*v && v == 1:
			parts[d] = "B"
		case batch2[d] == 2*v:
			parts[d] = fmt.Sprintf("%d·B", v)
		default:
			parts[d] = fmt.Sprint(v)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// wrapList joins names after prefix with ", ", breaking into lines of about
// width characters; continuation lines are indented.
func wrapList(prefix string, names []string, width int) []string {
	var lines []string
	line, empty := prefix, true
	for i, name := range names {
		item := name
		if i < len(names)-1 {
			item += ","
		}
		switch {
		case empty:
			line += item
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(item) > width:
			lines = append(lines, line)
			line = "  " + item
		default:
			line += " " + item
		}
		empty = false
	}
	return append(lines, line)
}
