package baselines

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBinEdges(t *testing.T) {
	inf := float32(math.Inf(1))
	seq := func(lo, n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(lo + i)
		}
		return v
	}
	cases := []struct {
		name    string
		sorted  []float32
		maxBins int
		want    []float32
	}{
		{"empty feature has one bin", nil, 255, []float32{inf}},
		{"constant feature has one bin", []float32{3, 3, 3}, 255, []float32{inf}},
		{"one bin per distinct value", []float32{1, 1, 2, 3, 3, 3}, 255, []float32{1.5, 2.5, inf}},
		{"distinct values equal to the bin count", []float32{1, 2, 3}, 3, []float32{1.5, 2.5, inf}},
		{"quantiles of uniform values", seq(0, 1000), 4, []float32{249.5, 499.5, 749.5, inf}},
		{"two bins cut at the median", seq(0, 10), 2, []float32{4.5, inf}},
		{
			name: "a long run keeps one bin and leaves the rest to other values",
			// 900 zeros then 1..100: the first cut closes the zeros, the
			// other eight share the 100 remaining values.
			sorted:  append(make([]float32, 900), seq(1, 100)...),
			maxBins: 10,
			want:    []float32{0.5, 11.5, 22.5, 33.5, 44.5, 55.5, 66.5, 77.5, 88.5, inf},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := binEdges(c.sorted, c.maxBins)
			if !slices.Equal(got, c.want) {
				t.Errorf("binEdges = %v, want %v", got, c.want)
			}
			if len(got) > c.maxBins {
				t.Errorf("%d bins, more than maxBins %d", len(got), c.maxBins)
			}
		})
	}
}

func TestBinMatchesThresholds(t *testing.T) {
	// A row in bin b must satisfy value <= edges[b'] exactly for b' >= b,
	// so that a split at bin b' predicts the same with raw values.
	rng := rand.New(rand.NewPCG(1, 2))
	x := column()
	for range 5000 {
		v := float32(math.Round(rng.NormFloat64()*100) / 10) // many ties
		x.Data = append(x.Data, v)
	}
	x.Data = append(x.Data, nan, float32(math.Inf(-1)), float32(math.Inf(1)))
	x.Rows = len(x.Data)
	for _, maxBins := range []int{2, 16, 255} {
		bn := fitBinner(x, maxBins, 2)
		edges := bn.edges[0]
		if len(edges) > maxBins {
			t.Errorf("maxBins %d: %d bins", maxBins, len(edges))
		}
		bins := bn.transform(x, 3)
		for r, v := range x.Data {
			b := bins[r]
			if v != v {
				if b != missingBin {
					t.Errorf("NaN in bin %d, want %d", b, missingBin)
				}
				continue
			}
			for e, edge := range edges {
				if (v <= edge) != (int(b) <= e) {
					t.Fatalf("maxBins %d: value %v in bin %d, but v <= edges[%d] = %v is %v", maxBins, v, b, e, edge, v <= edge)
				}
			}
		}
	}
}
