package baselines

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hrmg/hrmg/data"
)

var nan = float32(math.NaN())

// matrix builds a data.Matrix from rows of values.
func matrix(rows ...[]float32) data.Matrix {
	m := data.Matrix{Rows: len(rows)}
	if len(rows) > 0 {
		m.Cols = len(rows[0])
	}
	for _, r := range rows {
		if len(r) != m.Cols {
			panic("matrix: ragged rows")
		}
		m.Data = append(m.Data, r...)
	}
	return m
}

// column builds a one-feature matrix.
func column(values ...float32) data.Matrix {
	m := data.Matrix{Rows: len(values), Cols: 1}
	m.Data = append(m.Data, values...)
	return m
}

// synthetic returns rows of cols uniform features in [0, 1) and the target
// 3·x0 + 2·[x1 > 0.5] − x2² + noise·N(0, 1), from a seeded generator. Any
// columns past the third carry no signal.
func synthetic(rows, cols int, noise float64, seed uint64) (data.Matrix, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := data.NewMatrix(rows, cols)
	y := make([]float64, rows)
	for r := range rows {
		row := x.Data[r*cols : (r+1)*cols]
		for c := range row {
			row[c] = rng.Float32()
		}
		v := 3 * float64(row[0])
		if cols > 1 && row[1] > 0.5 {
			v += 2
		}
		if cols > 2 {
			v -= float64(row[2]) * float64(row[2])
		}
		y[r] = v + noise*rng.NormFloat64()
	}
	return x, y
}

// predict returns m's predictions for x.
func predict(m Predictor, x data.Matrix) []float64 {
	out := make([]float64, x.Rows)
	m.Predict(x, out)
	return out
}

// firstDiff returns a description of the first index where got and want
// differ by more than tol, or "".
func firstDiff(got, want []float64, tol float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("lengths %d and %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol || math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			return fmt.Sprintf("index %d: got %v, want %v", i, got[i], want[i])
		}
	}
	return ""
}

// sameTrees reports the first difference between two tree lists, or "".
func sameTrees(a, b []Tree) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d trees and %d", len(a), len(b))
	}
	for i := range a {
		if len(a[i].Nodes) != len(b[i].Nodes) || len(a[i].Leaves) != len(b[i].Leaves) {
			return fmt.Sprintf("tree %d: %d/%d nodes and %d/%d leaves", i, len(a[i].Nodes), len(b[i].Nodes), len(a[i].Leaves), len(b[i].Leaves))
		}
		for j := range a[i].Nodes {
			if a[i].Nodes[j] != b[i].Nodes[j] {
				return fmt.Sprintf("tree %d node %d: %+v and %+v", i, j, a[i].Nodes[j], b[i].Nodes[j])
			}
		}
		for j := range a[i].Leaves {
			if a[i].Leaves[j] != b[i].Leaves[j] {
				return fmt.Sprintf("tree %d leaf %d: %v and %v", i, j, a[i].Leaves[j], b[i].Leaves[j])
			}
		}
	}
	return ""
}

// checkTree compares a fitted tree with the expected one exactly.
func checkTree(t *testing.T, got, want Tree) {
	t.Helper()
	if d := sameTrees([]Tree{got}, []Tree{want}); d != "" {
		t.Errorf("tree differs: %s\ngot  %+v\nwant %+v", d, got, want)
	}
}
