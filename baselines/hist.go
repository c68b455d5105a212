package baselines

import (
	"slices"
	"sync"
)

// Thresholds below which histogram work stays on one goroutine, because
// waking another costs more than it saves.
//
// NOTE: both come from a few timings on California Housing (13,000 sampled
// rows, 11 features per tree) on a shared 2-core machine. Other machines
// may do better with other values; the models never depend on them.
const (
	minParallelRows = 1 << 15 // rows in the leaves split at one level
	minParallelWork = 1 << 16 // bin updates of one histogram
)

// binStat is one histogram bin: the sum of the gradients and the number of
// rows whose value falls in the bin.
type binStat struct {
	g, n float64
}

// histParams controls one histogram tree.
type histParams struct {
	maxDepth  int     // levels of splits; 0 means unlimited
	maxLeaves int     // leaves per tree; 0 means unlimited
	minLeaf   int     // minimum number of rows in a leaf, at least 1
	l2        float64 // L2 penalty on leaf values
	scale     float64 // multiplies every leaf value (the learning rate)
	threads   int
}

// histBuilder grows regression trees on binned features, best split first.
// With a leaf limit it always splits the open leaf whose best split lowers
// the squared error most, until maxLeaves is reached or no split helps.
// Without one it splits every leaf that can be improved, level by level.
type histBuilder struct {
	bins    []uint8 // training rows' bins, row-major like the matrix
	colBins []uint8 // the same bins column by column: colBins[f*nRows+r]
	nRows   int
	cols    int
	edges   [][]float32 // the binner's edges; len(edges[f]) is feature f's bin count
	rows    []int32     // the rows of each open leaf, as contiguous segments
	tmp     []int32
	ordered []float64  // the gradients of rows, in the same order
	mu      sync.Mutex // guards pool
	pool    [][]binStat
	open    []histLeaf
	// gain accumulates, per feature, the decrease in squared error of the
	// splits on it in the last tree.
	gain []float64
	// splitBins[i] is the last bin sent left by node i of the last tree.
	splitBins []uint8
}

// histLeaf is a leaf of the tree being grown.
type histLeaf struct {
	start, end int // its rows are rows[start:end]
	depth      int
	g, n       float64   // gradient sum and row count
	hist       []binStat // cols×256 bins; nil when the leaf cannot be split
	split      histSplit
	parent     int32 // internal node index of the parent, -1 for the root
	isLeft     bool
}

// histSplit is the best split of a leaf; gain <= 0 means none.
type histSplit struct {
	feature     int32
	bin         uint8 // the last non-missing bin sent left
	missingLeft bool
	gain        float64
	gl, nl      float64
}

func newHistBuilder(bins []uint8, rows, cols int, edges [][]float32) *histBuilder {
	colBins := make([]uint8, len(bins))
	for r := range rows {
		for f := range cols {
			colBins[f*rows+r] = bins[r*cols+f]
		}
	}
	return &histBuilder{
		bins:    bins,
		colBins: colBins,
		nRows:   rows,
		cols:    cols,
		edges:   edges,
		rows:    make([]int32, rows),
		tmp:     make([]int32, rows),
		ordered: make([]float64, rows),
		gain:    make([]float64, cols),
	}
}

// build grows one tree on the given rows (ascending), fitting the
// gradients grad (prediction minus target). features lists the columns the
// tree may split on, ascending. It adds each leaf's value to pred for the
// rows in that leaf.
func (b *histBuilder) build(grad []float64, sample []int32, features []int32, p histParams, pred []float64) Tree {
	clear(b.gain)
	b.splitBins = b.splitBins[:0]
	n := copy(b.rows, sample)

	var t Tree
	root := histLeaf{start: 0, end: n, parent: -1}
	for _, r := range sample {
		root.g += grad[r]
	}
	root.n = float64(n)
	if b.splittable(root, p) {
		root.hist = b.newHist()
		b.fillHist(root.hist, 0, n, grad, features, p.threads)
		root.split = b.bestSplit(root, features, p)
	}
	b.open = append(b.open[:0], root)

	for {
		batch := b.pickSplits(p)
		if len(batch) == 0 {
			break
		}
		// Nodes are numbered in batch order before the goroutines start,
		// so the tree does not depend on which finishes first.
		ids := make([]int32, len(batch))
		for i, leaf := range batch {
			s := leaf.split
			ids[i] = int32(len(t.Nodes))
			t.Nodes = append(t.Nodes, Node{
				Feature:     s.feature,
				Threshold:   b.edges[s.feature][s.bin],
				MissingLeft: s.missingLeft,
			})
			b.splitBins = append(b.splitBins, s.bin)
			linkChild(&t, leaf.parent, leaf.isLeft, ids[i])
			b.gain[s.feature] += s.gain
		}
		children := make([]histLeaf, 2*len(batch))
		// Splitting leaves at once pays only when they hold many rows,
		// because on small leaves waking goroutines costs more than it
		// saves.
		inner, outer := p, 1
		rows := 0
		for _, leaf := range batch {
			rows += leaf.end - leaf.start
		}
		if len(batch) > 1 && rows >= minParallelRows {
			inner.threads, outer = 1, p.threads
		}
		parallelFor(len(batch), outer, func(i int) {
			b.splitLeaf(batch[i], ids[i], children[2*i:2*i+2], grad, features, inner)
		})
		b.open = append(b.open, children...)
	}

	for _, l := range b.open {
		v := -p.scale * l.g / (l.n + p.l2)
		linkChild(&t, l.parent, l.isLeft, leafRef(len(t.Leaves)))
		t.Leaves = append(t.Leaves, v)
		for _, r := range b.rows[l.start:l.end] {
			pred[r] += v
		}
		b.release(l.hist)
	}
	return t
}

// pickSplits removes the leaves to split next from b.open and returns them.
// With a leaf limit that is the leaf with the highest gain. Without one it
// is every leaf with a positive gain, which grows the tree level by level.
func (b *histBuilder) pickSplits(p histParams) []histLeaf {
	if p.maxLeaves > 0 {
		if len(b.open) >= p.maxLeaves {
			return nil
		}
		pick := -1
		for i, l := range b.open {
			if l.split.gain > 0 && (pick < 0 || l.split.gain > b.open[pick].split.gain) {
				pick = i
			}
		}
		if pick < 0 {
			return nil
		}
		leaf := b.open[pick]
		b.open = slices.Delete(b.open, pick, pick+1)
		return []histLeaf{leaf}
	}
	var batch []histLeaf
	keep := b.open[:0]
	for _, l := range b.open {
		if l.split.gain > 0 {
			batch = append(batch, l)
		} else {
			keep = append(keep, l)
		}
	}
	b.open = keep
	return batch
}

// splitLeaf partitions the rows of leaf by its split, which became node id,
// and fills children with the two new leaves, their histograms and their
// best splits. Calls for different leaves may run at once.
func (b *histBuilder) splitLeaf(leaf histLeaf, id int32, children []histLeaf, grad []float64, features []int32, p histParams) {
	s := leaf.split
	mid := b.partition(leaf, s)
	left := histLeaf{start: leaf.start, end: mid, depth: leaf.depth + 1, g: s.gl, n: s.nl, parent: id, isLeft: true}
	right := histLeaf{start: mid, end: leaf.end, depth: leaf.depth + 1, g: leaf.g - s.gl, n: leaf.n - s.nl, parent: id}
	b.childHists(&leaf, &left, &right, grad, features, p)
	for _, c := range []*histLeaf{&left, &right} {
		if c.hist != nil {
			c.split = b.bestSplit(*c, features, p)
		}
	}
	children[0], children[1] = left, right
}

// linkChild points the parent node at child; parent -1 is no node.
func linkChild(t *Tree, parent int32, isLeft bool, child int32) {
	if parent < 0 {
		return
	}
	if isLeft {
		t.Nodes[parent].Left = child
	} else {
		t.Nodes[parent].Right = child
	}
}

// splittable reports whether a leaf may be split at all.
func (b *histBuilder) splittable(l histLeaf, p histParams) bool {
	return (p.maxDepth == 0 || l.depth < p.maxDepth) && l.end-l.start >= 2*p.minLeaf
}

// childHists gives a histogram to each child that may be split. It fills
// the smaller child's from its rows, then gets the larger's by subtracting
// that from the parent's, in the parent's buffer.
func (b *histBuilder) childHists(parent, left, right *histLeaf, grad []float64, features []int32, p histParams) {
	small, large := left, right
	if small.end-small.start > large.end-large.start {
		small, large = large, small
	}
	needSmall, needLarge := b.splittable(*small, p), b.splittable(*large, p)
	if needSmall || needLarge {
		small.hist = b.newHist()
		b.fillHist(small.hist, small.start, small.end, grad, features, p.threads)
	}
	if needLarge {
		large.hist = parent.hist
		for _, f := range features {
			lo := int(f) << 8
			ph, sh := large.hist[lo:lo+256], small.hist[lo:lo+256]
			for i := range len(b.edges[f]) {
				ph[i].g -= sh[i].g
				ph[i].n -= sh[i].n
			}
			ph[missingBin].g -= sh[missingBin].g
			ph[missingBin].n -= sh[missingBin].n
		}
	} else {
		b.release(parent.hist)
	}
	if !needSmall {
		b.release(small.hist)
		small.hist = nil
	}
}

func (b *histBuilder) newHist() []binStat {
	b.mu.Lock()
	defer b.mu.Unlock()
	if k := len(b.pool); k > 0 {
		h := b.pool[k-1]
		b.pool = b.pool[:k-1]
		return h
	}
	return make([]binStat, b.cols<<8)
}

func (b *histBuilder) release(h []binStat) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h != nil {
		b.pool = append(b.pool, h)
	}
}

// fillHist sums the gradients of the rows b.rows[start:end] into the bins
// of each feature. The features are shared among up to threads goroutines,
// and one goroutine sums each feature's rows in a fixed order, so the result
// does not depend on the thread count. Calls for disjoint row ranges may run
// at once.
func (b *histBuilder) fillHist(h []binStat, start, end int, grad []float64, features []int32, threads int) {
	rows := b.rows[start:end]
	// Gathering the gradients once in row order makes each feature's pass
	// read them sequentially.
	ordered := b.ordered[start:end]
	for i, r := range rows {
		ordered[i] = grad[r]
	}

	groups := min(threads, len(features))
	if groups <= 1 || len(rows)*len(features) < minParallelWork {
		for _, f := range features {
			b.fillFeature(h, f, rows, ordered)
		}
		return
	}
	var wg sync.WaitGroup
	for g := range groups {
		wg.Go(func() {
			for i := g; i < len(features); i += groups {
				b.fillFeature(h, features[i], rows, ordered)
			}
		})
	}
	wg.Wait()
}

// fillFeature fills feature f's histogram from the rows and their
// gradients.
func (b *histBuilder) fillFeature(h []binStat, f int32, rows []int32, ordered []float64) {
	hf := (*[256]binStat)(h[int(f)<<8 : int(f+1)<<8])
	*hf = [256]binStat{}
	col := b.colBins[int(f)*b.nRows : int(f+1)*b.nRows]
	if len(b.edges[f]) <= fewBins {
		fillFewBins(hf, len(b.edges[f]), col, rows, ordered)
		return
	}
	for i, r := range rows {
		s := &hf[col[r]]
		s.g += ordered[i]
		s.n++
	}
}

// fewBins is the maximum number of bins of a feature that fillFewBins
// handles.
const fewBins = 15

// fillFewBins fills the histogram of a feature with at most fewBins bins,
// such as a one-hot column. Most rows of such a feature share a bin, and
// adding them to one running sum makes every addition wait for the
// previous one. Four interleaved partial histograms keep four additions in
// flight instead.
func fillFewBins(hf *[256]binStat, bins int, col []uint8, rows []int32, ordered []float64) {
	// Slot fewBins collects the missing bin, because min maps 255 to it.
	var part [4][fewBins + 1]binStat
	i := 0
	for ; i+4 <= len(rows); i += 4 {
		s0 := &part[0][min(col[rows[i]], fewBins)]
		s1 := &part[1][min(col[rows[i+1]], fewBins)]
		s2 := &part[2][min(col[rows[i+2]], fewBins)]
		s3 := &part[3][min(col[rows[i+3]], fewBins)]
		s0.g += ordered[i]
		s0.n++
		s1.g += ordered[i+1]
		s1.n++
		s2.g += ordered[i+2]
		s2.n++
		s3.g += ordered[i+3]
		s3.n++
	}
	for ; i < len(rows); i++ {
		s := &part[0][min(col[rows[i]], fewBins)]
		s.g += ordered[i]
		s.n++
	}
	for k := range part {
		for bin := range bins {
			hf[bin].g += part[k][bin].g
			hf[bin].n += part[k][bin].n
		}
		hf[missingBin].g += part[k][fewBins].g
		hf[missingBin].n += part[k][fewBins].n
	}
}

// bestSplit finds the split of leaf l that lowers the penalised squared
// error most, trying NaN rows on both sides.
func (b *histBuilder) bestSplit(l histLeaf, features []int32, p histParams) histSplit {
	l2, minLeaf := p.l2, float64(p.minLeaf)
	parentScore := l.g * l.g / (l.n + l2)
	best := histSplit{}
	try := func(f int32, bin int, gl, nl float64, missingLeft bool) {
		nr := l.n - nl
		if nl < minLeaf || nr < minLeaf {
			return
		}
		gr := l.g - gl
		gain := gl*gl/(nl+l2) + gr*gr/(nr+l2) - parentScore
		if gain > best.gain {
			best = histSplit{feature: f, bin: uint8(bin), missingLeft: missingLeft, gain: gain, gl: gl, nl: nl}
		}
	}
	for _, f := range features {
		h := l.hist[int(f)<<8 : int(f+1)<<8]
		bins := len(b.edges[f])
		miss := h[missingBin]
		var gl, nl float64
		if miss.n == 0 {
			// The common case, kept free of the missing-value branches.
			for bin := 0; bin < bins-1; bin++ {
				if h[bin].n == 0 {
					continue
				}
				gl += h[bin].g
				nl += h[bin].n
				nr := l.n - nl
				if nl < minLeaf || nr < minLeaf {
					continue
				}
				gr := l.g - gl
				if gain := gl*gl/(nl+l2) + gr*gr/(nr+l2) - parentScore; gain > best.gain {
					best = histSplit{feature: f, bin: uint8(bin), gain: gain, gl: gl, nl: nl}
				}
			}
			continue
		}
		for bin := 0; bin < bins-1; bin++ {
			if h[bin].n == 0 {
				continue
			}
			gl += h[bin].g
			nl += h[bin].n
			try(f, bin, gl, nl, false)
			try(f, bin, gl+miss.g, nl+miss.n, true)
		}
		gl += h[bins-1].g
		nl += h[bins-1].n
		try(f, bins-1, gl, nl, false)
	}
	// Gains within rounding error of zero are noise, not structure.
	if best.gain <= 1e-12*(parentScore+1) {
		best.gain = 0
	}
	return best
}

// partition reorders the leaf's rows so that those going left come first,
// keeping their order, and returns the index of the first going right.
// Calls for leaves with disjoint rows may run at once.
func (b *histBuilder) partition(l histLeaf, s histSplit) int {
	seg := b.rows[l.start:l.end]
	tmp := b.tmp[l.start:l.end]
	col := b.colBins[int(s.feature)*b.nRows : int(s.feature+1)*b.nRows]
	k, j := 0, 0
	for _, r := range seg {
		bin := col[r]
		goLeft := 0
		if bin <= s.bin || (bin == missingBin && s.missingLeft) {
			goLeft = 1
		}
		seg[k] = r
		tmp[j] = r
		k += goLeft
		j += 1 - goLeft
	}
	copy(seg[k:], tmp[:j])
	return l.start + k
}

// addBinned adds the tree's value for every binned row to out, using the
// split bins recorded when the tree was built.
func addBinned(t *Tree, splitBins []uint8, bins []uint8, cols int, out []float64) {
	for r := range out {
		out[r] += binnedValue(t, splitBins, bins[r*cols:(r+1)*cols])
	}
}

// binnedValue returns the value of the leaf that a binned row reaches.
func binnedValue(t *Tree, splitBins []uint8, row []uint8) float64 {
	if len(t.Nodes) == 0 {
		return t.Leaves[0]
	}
	i := int32(0)
	for i >= 0 {
		n := &t.Nodes[i]
		bin := row[n.Feature]
		if bin <= splitBins[i] || (bin == missingBin && n.MissingLeft) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
	return t.Leaves[^i]
}
