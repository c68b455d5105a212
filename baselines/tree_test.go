package baselines

import (
	"math"
	"strings"
	"testing"
)

// stump is x0 <= 2 → 10, else 20, with NaN going right.
var stump = Tree{
	Nodes:  []Node{{Feature: 0, Threshold: 2, Left: leafRef(0), Right: leafRef(1)}},
	Leaves: []float64{10, 20},
}

// twoLevel splits x0 at 0, then x1 at 5 on the right, NaN going left at
// the second node.
var twoLevel = Tree{
	Nodes: []Node{
		{Feature: 0, Threshold: 0, Left: leafRef(0), Right: 1},
		{Feature: 1, Threshold: 5, Left: leafRef(1), Right: leafRef(2), MissingLeft: true},
	},
	Leaves: []float64{-1, 1, 2},
}

func TestTreePredictRow(t *testing.T) {
	cases := []struct {
		name string
		tree Tree
		row  []float32
		want float64
	}{
		{"single leaf", Tree{Leaves: []float64{7}}, []float32{3}, 7},
		{"stump left", stump, []float32{1}, 10},
		{"stump on the threshold goes left", stump, []float32{2}, 10},
		{"stump right", stump, []float32{2.0001}, 20},
		{"stump NaN goes right", stump, []float32{nan}, 20},
		{"stump -Inf", stump, []float32{float32(math.Inf(-1))}, 10},
		{"stump +Inf", stump, []float32{float32(math.Inf(1))}, 20},
		{"two levels left", twoLevel, []float32{-3, 100}, -1},
		{"two levels right left", twoLevel, []float32{1, 5}, 1},
		{"two levels right right", twoLevel, []float32{1, 6}, 2},
		{"two levels NaN goes left", twoLevel, []float32{1, nan}, 1},
		{"two levels NaN at root goes right", twoLevel, []float32{nan, 9}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.tree.predictRow(c.row); got != c.want {
				t.Errorf("predictRow(%v) = %v, want %v", c.row, got, c.want)
			}
		})
	}
}

func TestTreeDepth(t *testing.T) {
	for _, c := range []struct {
		tree Tree
		want int
	}{{Tree{Leaves: []float64{1}}, 0}, {stump, 1}, {twoLevel, 2}} {
		if got := c.tree.depth(); got != c.want {
			t.Errorf("depth of %+v = %d, want %d", c.tree, got, c.want)
		}
	}
}

func TestTreeValidate(t *testing.T) {
	cases := []struct {
		name    string
		tree    Tree
		wantErr string
	}{
		{"stump", stump, ""},
		{"two levels", twoLevel, ""},
		{"single leaf", Tree{Leaves: []float64{1}}, ""},
		{"no leaves", Tree{}, "0 leaves"},
		{"too few leaves", Tree{Nodes: stump.Nodes, Leaves: []float64{1}}, "1 leaves for 1 internal nodes"},
		{"NaN leaf", Tree{Nodes: stump.Nodes, Leaves: []float64{1, math.NaN()}}, "leaf 1 is NaN"},
		{"feature out of range", Tree{Nodes: []Node{{Feature: 2, Left: -1, Right: -2}}, Leaves: []float64{1, 2}}, "feature 2"},
		{"NaN threshold", Tree{Nodes: []Node{{Threshold: nan, Left: -1, Right: -2}}, Leaves: []float64{1, 2}}, "NaN threshold"},
		{"child before parent", Tree{
			Nodes:  []Node{{Left: -1, Right: 1}, {Left: 0, Right: -2}},
			Leaves: []float64{1, 2, 3},
		}, "children must come after their parent"},
		{"self loop", Tree{Nodes: []Node{{Left: 0, Right: -1}}, Leaves: []float64{1, 2}}, "children must come after"},
		{"leaf used twice", Tree{Nodes: []Node{{Left: -1, Right: -1}}, Leaves: []float64{1, 2}}, "leaf 0 is the child of two nodes"},
		{"leaf out of range", Tree{Nodes: []Node{{Left: -1, Right: -3}}, Leaves: []float64{1, 2}}, "leaf 2, outside"},
		{"node used twice", Tree{
			Nodes:  []Node{{Left: 1, Right: 1}, {Left: -1, Right: -2}},
			Leaves: []float64{1, 2, 3},
		}, "node 1 is the child of two nodes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.tree.validate(2)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("validate: %v", err)
			case c.wantErr != "" && err == nil:
				t.Errorf("validate accepted the tree, want an error containing %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Errorf("validate error %q, want it to contain %q", err, c.wantErr)
			}
		})
	}
}

func TestMidpoint(t *testing.T) {
	next := func(v float32) float32 { return math.Nextafter32(v, float32(math.Inf(1))) }
	inf := float32(math.Inf(1))
	cases := []struct {
		a, b, want float32
	}{
		{1, 2, 1.5},
		{-3, -1, -2},
		{1, next(1), 1},
		{0, next(0), 0},
		{5, inf, 5},
		{-inf, 0, -inf},
		{-math.MaxFloat32, math.MaxFloat32, 0},
		{math.MaxFloat32, inf, math.MaxFloat32},
	}
	for _, c := range cases {
		got := midpoint(c.a, c.b)
		if got != c.want {
			t.Errorf("midpoint(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if !(c.a <= got && got < c.b) {
			t.Errorf("midpoint(%v, %v) = %v, not in [a, b)", c.a, c.b, got)
		}
	}
}
