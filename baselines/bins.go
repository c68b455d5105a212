package baselines

import (
	"math"
	"slices"
	"sort"

	"github.com/hrmg/hrmg/data"
)

// missingBin is the bin of NaN values. Non-missing values use bins 0 to
// 254, so a bin index fits in a byte.
const missingBin = 255

// maxBinsLimit is the most non-missing bins a feature can have.
const maxBinsLimit = 255

// binner maps feature values to bins fitted on the training rows.
type binner struct {
	// edges[f][b] is the upper edge of bin b of feature f: a value v is in
	// the first bin b with v <= edges[f][b]. The last edge is +Inf.
	edges [][]float32
}

// fitBinner chooses at most maxBins bins per feature from the non-missing
// values of the row-major matrix x. A feature with at most maxBins distinct
// values gets one bin per value. Otherwise the edges sit near quantiles,
// never inside a run of equal values. Edges lie halfway between two
// adjacent training values.
func fitBinner(x data.Matrix, maxBins, threads int) *binner {
	bn := &binner{edges: make([][]float32, x.Cols)}
	parallelFor(x.Cols, threads, func(f int) {
		values := make([]float32, 0, x.Rows)
		for r := range x.Rows {
			if v := x.Data[r*x.Cols+f]; v == v {
				values = append(values, v)
			}
		}
		slices.Sort(values)
		bn.edges[f] = binEdges(values, maxBins)
	})
	return bn
}

// binEdges returns the bin edges for the sorted non-missing values. With
// more distinct values than bins, each cut aims at an equal share of the
// rows not yet binned, so a long run of one value uses a single bin and
// leaves the other bins to the rest.
func binEdges(sorted []float32, maxBins int) []float32 {
	n := len(sorted)
	distinct := 0
	for i := range sorted {
		if i == 0 || sorted[i] != sorted[i-1] {
			distinct++
		}
	}

	var edges []float32
	if distinct <= maxBins {
		for i := 1; i < n; i++ {
			if sorted[i] != sorted[i-1] {
				edges = append(edges, midpoint(sorted[i-1], sorted[i]))
			}
		}
		return append(edges, float32(math.Inf(1)))
	}
	start := 0
	for bins := maxBins; bins > 1; bins-- {
		// This bin ends after rank i-1, or after the end of its run of
		// equal values.
		i := max(start+(n-start)/bins, start+1)
		for i < n && sorted[i] == sorted[i-1] {
			i++
		}
		if i == n {
			break
		}
		edges = append(edges, midpoint(sorted[i-1], sorted[i]))
		start = i
	}
	return append(edges, float32(math.Inf(1)))
}

// bin returns the bin of value v of feature f.
func (bn *binner) bin(f int, v float32) uint8 {
	if v != v {
		return missingBin
	}
	e := bn.edges[f]
	return uint8(sort.Search(len(e)-1, func(b int) bool { return v <= e[b] }))
}

// transform returns the bins of every value of x, row-major like x.
func (bn *binner) transform(x data.Matrix, threads int) []uint8 {
	bins := make([]uint8, len(x.Data))
	const block = 1024
	blocks := (x.Rows + block - 1) / block
	parallelFor(blocks, threads, func(i int) {
		for r := i * block; r < min((i+1)*block, x.Rows); r++ {
			for f := range x.Cols {
				bins[r*x.Cols+f] = bn.bin(f, x.Data[r*x.Cols+f])
			}
		}
	})
	return bins
}
