package graph

import (
	"sync/atomic"
	"testing"
)

func TestParallelRowsCoversEachRowOnce(t *testing.T) {
	for _, c := range []struct{ rows, cols int }{{1, 1}, {3, 5}, {600, 64}, {1000, 128}, {7, 100000}} {
		counts := make([]atomic.Int32, c.rows)
		parallelRows(c.rows, c.cols, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				counts[i].Add(1)
			}
		})
		for i := range counts {
			if n := counts[i].Load(); n != 1 {
				t.Fatalf("%d×%d: row %d visited %d times", c.rows, c.cols, i, n)
			}
		}
	}
}
