package data

import (
	"math"
	"sort"
)

// maxQuantiles is the number of reference points a quantile transform
// keeps per column; fewer when the training rows are fewer.
const maxQuantiles = 1000

// quantileClip keeps the normal scores finite: probabilities are clipped
// to [quantileClip, 1-quantileClip], so scores stay within about ±5.2.
const quantileClip = 1e-7

// fitQuantiles returns the values at evenly spaced probabilities 0, 1/(K-1),
// ..., 1 of sorted, interpolating linearly between order statistics.
func fitQuantiles(sorted []float64) []float64 {
	k := min(maxQuantiles, len(sorted))
	if k == 1 {
		return []float64{sorted[0]}
	}
	out := make([]float64, k)
	last := float64(len(sorted) - 1)
	for i := range out {
		pos := float64(i) / float64(k-1) * last
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(sorted)-1)
		frac := pos - float64(lo)
		out[i] = sorted[lo] + frac*(sorted[hi]-sorted[lo])
	}
	return out
}

// quantileToNormal maps x to the standard normal score of its estimated
// probability under the reference quantiles. Between two references the
// probability is interpolated linearly. On a run of equal references (a
// value many rows share) it is the middle of the run, so ties map to one
// score. Values beyond the training range map to the clipped extremes.
func quantileToNormal(refs []float64, x float64) float64 {
	k := len(refs)
	if k < 2 {
		return 0
	}
	step := 1 / float64(k-1)
	var p float64
	switch {
	case x <= refs[0]:
		// The run of references equal to the minimum.
		hi := sort.Search(k, func(i int) bool { return refs[i] > refs[0] }) - 1
		p = 0
		if x == refs[0] {
			p = float64(hi) * step / 2
		}
	case x >= refs[k-1]:
		lo := sort.Search(k, func(i int) bool { return refs[i] >= refs[k-1] })
		p = 1
		if x == refs[k-1] {
			p = (float64(lo)*step + 1) / 2
		}
	default:
		lo := sort.Search(k, func(i int) bool { return refs[i] >= x })
		if refs[lo] == x {
			hi := sort.Search(k, func(i int) bool { return refs[i] > x }) - 1
			p = float64(lo+hi) * step / 2
		} else {
			// refs[lo-1] < x < refs[lo]
			a, b := refs[lo-1], refs[lo]
			p = (float64(lo-1) + (x-a)/(b-a)) * step
		}
	}
	p = math.Min(math.Max(p, quantileClip), 1-quantileClip)
	return math.Sqrt2 * math.Erfinv(2*p-1)
}
