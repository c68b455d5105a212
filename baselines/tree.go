package baselines

import (
	"fmt"
	"math"
)

// Node is an internal node of a Tree. The layout of the package
// documentation applies: Left and Right are node indices when >= 0 and
// leaf indices complemented (^leaf) when < 0.
type Node struct {
	// Feature is the column compared at this node.
	Feature int32
	// Threshold sends a row left when its feature value is <= Threshold.
	//
	// NOTE: scikit-learn also compares with <=, but XGBoost sends a row left
	// when its value is < the split value, so thresholds read from one
	// cannot be copied to the other unchanged.
	Threshold float32
	// Left and Right are the children.
	Left, Right int32
	// MissingLeft sends rows whose feature value is NaN left; otherwise
	// they go right.
	MissingLeft bool
}

// Tree is a regression tree stored as flat slices.
type Tree struct {
	// Nodes contains the internal nodes. Nodes[0] is the root when there
	// are any.
	Nodes []Node
	// Leaves contains the leaf values in model units, already scaled by
	// the learning rate for boosted trees.
	Leaves []float64
}

// leafRef encodes leaf index i as a child reference.
func leafRef(i int) int32 { return ^int32(i) }

// predictRow returns the value of the leaf that row x reaches.
func (t *Tree) predictRow(x []float32) float64 {
	if len(t.Nodes) == 0 {
		return t.Leaves[0]
	}
	i := int32(0)
	for {
		n := &t.Nodes[i]
		v := x[n.Feature]
		switch {
		case v <= n.Threshold:
			i = n.Left
		case v != v && n.MissingLeft: // NaN
			i = n.Left
		default:
			i = n.Right
		}
		if i < 0 {
			return t.Leaves[^i]
		}
	}
}

// addTo adds the tree's prediction for every row of the row-major matrix
// x (cols columns) to out.
func (t *Tree) addTo(x []float32, cols int, out []float64) {
	for r := range out {
		out[r] += t.predictRow(x[r*cols : (r+1)*cols])
	}
}

// depth returns the number of internal nodes on the longest path from the
// root to a leaf.
func (t *Tree) depth() int {
	if len(t.Nodes) == 0 {
		return 0
	}
	d := make([]int, len(t.Nodes))
	d[0] = 1
	longest := 1
	for i, n := range t.Nodes {
		for _, c := range [2]int32{n.Left, n.Right} {
			if c >= 0 {
				d[c] = d[i] + 1
				longest = max(longest, d[c])
			}
		}
	}
	return longest
}

// validate checks the invariants that prediction relies on, so that a
// damaged or hand-edited model file cannot make Predict loop or index out
// of range. It requires every node and leaf to be the child of exactly one
// node, except the root.
func (t *Tree) validate(numFeatures int) error {
	if len(t.Leaves) != len(t.Nodes)+1 {
		return fmt.Errorf("%d leaves for %d internal nodes, want %d", len(t.Leaves), len(t.Nodes), len(t.Nodes)+1)
	}
	for i, v := range t.Leaves {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("leaf %d is %v", i, v)
		}
	}
	nodeSeen := make([]bool, len(t.Nodes))
	leafSeen := make([]bool, len(t.Leaves))
	for i, n := range t.Nodes {
		if n.Feature < 0 || int(n.Feature) >= numFeatures {
			return fmt.Errorf("node %d splits on feature %d, outside [0, %d)", i, n.Feature, numFeatures)
		}
		if math.IsNaN(float64(n.Threshold)) {
			return fmt.Errorf("node %d has a NaN threshold", i)
		}
		for _, c := range [2]int32{n.Left, n.Right} {
			switch {
			case c >= 0 && (int(c) <= i || int(c) >= len(t.Nodes)):
				return fmt.Errorf("node %d has child node %d; children must come after their parent and before %d", i, c, len(t.Nodes))
			case c >= 0 && nodeSeen[c]:
				return fmt.Errorf("node %d is the child of two nodes", c)
			case c >= 0:
				nodeSeen[c] = true
			case int(^c) >= len(t.Leaves):
				return fmt.Errorf("node %d has leaf %d, outside [0, %d)", i, ^c, len(t.Leaves))
			case leafSeen[^c]:
				return fmt.Errorf("leaf %d is the child of two nodes", ^c)
			default:
				leafSeen[^c] = true
			}
		}
	}
	return nil
}
