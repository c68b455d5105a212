package graph

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestDOTEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain`, `plain`},
		{`soil "class"`, `soil \"class\"`},
		{`aspect\`, `aspect\\`},
		{`band<A00>`, `band<A00>`},
		{`ndvi:mean`, `ndvi:mean`},
		{`température`, `température`},
		{"two\nlines", `two\nlines`},
		{"crlf\r\nline", `crlf\nline`},
		{"tab\there", "tab here"},
		{`\N\G\l`, `\\N\\G\\l`},
		{"bad \xff byte", "bad \uFFFD byte"},
		{`{record|field}`, `{record|field}`},
	}
	for _, c := range cases {
		if got := DOTEscape(c.in); got != c.want {
			t.Errorf("DOTEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// smallGraph builds a linear layer on an input, as a DOT fixture.
func smallGraph(t *testing.T) *G.ExprGraph {
	t.Helper()
	s := newScope64(t)
	l, err := NewLinear("net/lin", 3, 2, tensor.Float64, rand.New(rand.NewPCG(1, 1)), LeCunNormal, Zeros)
	if err != nil {
		t.Fatal(err)
	}
	x := s.Input("data/x", 4, 3)
	if _, err := l.Forward(s, x, "net/lin"); err != nil {
		t.Fatal(err)
	}
	return s.Graph()
}

func TestWriteDOT(t *testing.T) {
	opts := DOTOptions{
		Title:    `model "a"`,
		Clusters: []Cluster{{Prefix: "data/", Label: "inputs"}, {Prefix: "net/", Label: "network"}},
		Notes:    map[string][]string{"data/x": {`features: a"b, c\`}},
		Params:   map[string]bool{"net/lin/W": true},
	}
	var first, second bytes.Buffer
	if err := WriteDOT(&first, smallGraph(t), opts); err != nil {
		t.Fatal(err)
	}
	if err := WriteDOT(&second, smallGraph(t), opts); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Error("two builds of one graph give different DOT")
	}
	dot := first.String()
	for _, want := range []string{
		`label="model \"a\""`,
		`subgraph cluster_0 {`, `label="inputs"`, `label="network"`,
		`n0 [label="data/x\ninput\n(4, 3)\nfeatures: a\"b, c\\"`,
		`net/lin/W\nparameter\n(3, 2)`,
		`net/lin\nAddBias\n(4, 2)`,
		`net/lin/xW\nA × B\n(4, 2)`,
		"n0 -> n", // the input feeds the product
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
}
