package baselines

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// exactData is a training matrix prepared for exact split search: the
// columns stored apart and, for each feature, the rows sorted by value with
// NaN last. It is read-only once built, so many builders share it.
type exactData struct {
	rows, cols int
	col        [][]float32 // col[f][r] is row r's value of feature f
	order      [][]int32   // order[f] lists the rows by increasing col[f], NaN last
}

// newExactData sorts every column of the row-major matrix x, using up to
// threads goroutines. Ties are ordered by row index, so the result does not
// depend on the sort algorithm or the thread count.
func newExactData(x []float32, rows, cols, threads int) *exactData {
	d := &exactData{
		rows:  rows,
		cols:  cols,
		col:   make([][]float32, cols),
		order: make([][]int32, cols),
	}
	parallelFor(cols, threads, func(f int) {
		c := make([]float32, rows)
		for r := range c {
			c[r] = x[r*cols+f]
		}
		o := make([]int32, rows)
		for r := range o {
			o[r] = int32(r)
		}
		slices.SortFunc(o, func(a, b int32) int {
			va, vb := c[a], c[b]
			na, nb := va != va, vb != vb
			switch {
			case na && nb:
				return cmp.Compare(a, b)
			case na:
				return 1
			case nb:
				return -1
			case va < vb:
				return -1
			case va > vb:
				return 1
			}
			return cmp.Compare(a, b)
		})
		d.col[f] = c
		d.order[f] = o
	})
	return d
}

// exactParams controls one exact tree.
type exactParams struct {
	maxDepth    int     // levels of splits; 0 means unlimited
	minLeaf     int     // minimum number of distinct training rows in a leaf, at least 1
	maxFeatures int     // features evaluated per node; at least 1
	l2          float64 // added to the weight sum of every leaf and split side
	scale       float64 // multiplies every leaf value (the learning rate)
}

// exactBuilder grows CART regression trees on an exactData. Each goroutine
// needs its own builder; the buffers are reused from tree to tree.
type exactBuilder struct {
	d   *exactData
	idx [][]int32 // idx[f] contains each open node's rows, sorted by feature f, as a segment
	tmp []int32
	// left is 1 for the rows of the node being split that go to the left
	// child, 0 for the others.
	left  []uint8
	stats []rowStat // per-row weight and weight times target of this tree
	stack []openNode
	perm  []int32
	// gain accumulates, per feature, the weighted impurity decrease of the
	// splits on it in the last tree.
	gain []float64
}

// rowStat is a row's weight and weight times target, kept together so
// that the split scan reads one cache line per row.
type rowStat struct {
	w, wy float64
}

// openNode is a node waiting to be split or made a leaf: its rows are
// idx[f][start:end] for every used feature f.
type openNode struct {
	start, end int
	depth      int
	parent     int32 // internal node index of the parent, -1 for the root
	isLeft     bool  // whether this is the parent's left child
}

// exactSplit is the best split found for a node.
type exactSplit struct {
	feature     int32
	pos         int // position in the feature's segment of the last non-missing row sent left, -1 when none
	threshold   float32
	missingLeft bool
	score       float64 // sl²/(wl+l2) + sr²/(wr+l2)
	nLeft       int
}

func newExactBuilder(d *exactData) *exactBuilder {
	b := &exactBuilder{
		d:     d,
		idx:   make([][]int32, d.cols),
		tmp:   make([]int32, d.rows),
		left:  make([]uint8, d.rows),
		stats: make([]rowStat, d.rows),
		gain:  make([]float64, d.cols),
	}
	return b
}

// build grows one tree on the rows with weight w[r] > 0, fitting the
// targets y. features lists the columns the tree may split on; callers
// must list each column at most once. rng draws the features tried at each node when p.maxFeatures <
// len(features), and may be nil otherwise.
func (b *exactBuilder) build(w, y []float64, features []int32, p exactParams, rng *rand.Rand) Tree {
	d := b.d
	clear(b.gain)
	for r := range w {
		b.stats[r] = rowStat{w: w[r], wy: w[r] * y[r]}
	}
	n := 0
	for _, f := range features {
		if b.idx[f] == nil {
			b.idx[f] = make([]int32, d.rows)
		}
		seg := b.idx[f][:0]
		for _, r := range d.order[f] {
			if w[r] > 0 {
				seg = append(seg, r)
			}
		}
		n = len(seg)
	}
	b.perm = append(b.perm[:0], features...)

	var t Tree
	b.stack = append(b.stack[:0], openNode{start: 0, end: n, parent: -1})
	for len(b.stack) > 0 {
		nd := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]

		// Node totals, from the first feature's segment.
		var wSum, sSum float64
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range b.idx[features[0]][nd.start:nd.end] {
			wSum += b.stats[r].w
			sSum += b.stats[r].wy
			lo = min(lo, y[r])
			hi = max(hi, y[r])
		}
		rows := nd.end - nd.start

		split, ok := exactSplit{}, false
		canSplit := rows >= 2 && rows >= 2*p.minLeaf && lo < hi && (p.maxDepth == 0 || nd.depth < p.maxDepth)
		if canSplit {
			split, ok = b.bestSplit(nd, wSum, sSum, features, p, rng)
		}
		if !ok {
			leaf := leafRef(len(t.Leaves))
			t.Leaves = append(t.Leaves, p.scale*sSum/(wSum+p.l2))
			b.link(&t, nd, leaf)
			continue
		}

		id := int32(len(t.Nodes))
		t.Nodes = append(t.Nodes, Node{Feature: split.feature, Threshold: split.threshold, MissingLeft: split.missingLeft})
		b.link(&t, nd, id)
		b.gain[split.feature] += split.score - sSum*sSum/(wSum+p.l2)
		b.partition(nd, split, features)

		mid := nd.start + split.nLeft
		b.stack = append(b.stack,
			openNode{start: mid, end: nd.end, depth: nd.depth + 1, parent: id},
			openNode{start: nd.start, end: mid, depth: nd.depth + 1, parent: id, isLeft: true})
	}
	return t
}

// link points the parent of nd at child.
func (b *exactBuilder) link(t *Tree, nd openNode, child int32) {
	if nd.parent < 0 {
		return
	}
	if nd.isLeft {
		t.Nodes[nd.parent].Left = child
	} else {
		t.Nodes[nd.parent].Right = child
	}
}

// bestSplit searches the features for the split of nd with the highest
// score. It evaluates every feature when p.maxFeatures covers them all.
// Otherwise it draws features at random and stops once it has evaluated
// p.maxFeatures features that are not constant in the node.
func (b *exactBuilder) bestSplit(nd openNode, wSum, sSum float64, features []int32, p exactParams, rng *rand.Rand) (exactSplit, bool) {
	best := exactSplit{score: math.Inf(-1)}
	found := false
	if p.maxFeatures >= len(features) {
		for _, f := range features {
			if s, ok := b.scanFeature(f, nd, wSum, sSum, p); ok && s.score > best.score {
				best, found = s, true
			}
		}
		return best, found
	}

	// NOTE: scikit-learn draws features in the same way but also skips
	// features it found constant higher up the tree, so with the same seed
	// the two pick different features.
	perm := b.perm
	evaluated := 0
	for i := 0; i < len(perm) && evaluated < p.maxFeatures; i++ {
		j := i + rng.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
		s, ok, constant := b.scanFeatureCounted(perm[i], nd, wSum, sSum, p)
		if constant {
			continue
		}
		evaluated++
		if ok && s.score > best.score {
			best, found = s, true
		}
	}
	return best, found
}

// scanFeatureCounted is scanFeature that also reports whether the feature
// takes a single value (or is all NaN) in the node.
func (b *exactBuilder) scanFeatureCounted(f int32, nd openNode, wSum, sSum float64, p exactParams) (exactSplit, bool, bool) {
	seg := b.idx[f][nd.start:nd.end]
	xf := b.d.col[f]
	first, last := xf[seg[0]], xf[seg[len(seg)-1]]
	if first != first || (first == last) {
		// All NaN, or one value and no NaN.
		return exactSplit{}, false, true
	}
	s, ok := b.scanFeature(f, nd, wSum, sSum, p)
	return s, ok, false
}

// scanFeature finds the best threshold on feature f for node nd. Every
// boundary between two distinct values is a candidate. When the node has
// rows with NaN, each candidate is tried with them on either side, and one
// more candidate sends all non-missing rows left and the NaN rows right.
func (b *exactBuilder) scanFeature(f int32, nd openNode, wSum, sSum float64, p exactParams) (exactSplit, bool) {
	seg := b.idx[f][nd.start:nd.end]
	xf := b.d.col[f]
	stats := b.stats
	n := len(seg)

	// NaN rows sit at the end of the segment.
	m := n
	for m > 0 && xf[seg[m-1]] != xf[seg[m-1]] {
		m--
	}
	var wMiss, sMiss float64
	for _, r := range seg[m:] {
		wMiss += stats[r].w
		sMiss += stats[r].wy
	}
	nMiss := n - m
	minLeaf, l2 := p.minLeaf, p.l2

	best := exactSplit{feature: f, pos: -1, score: math.Inf(-1)}
	var wl, sl float64
	if nMiss == 0 {
		// The common case, kept free of the missing-value branches.
		xcur := xf[seg[0]]
		last := min(m-1, n-minLeaf)
		for i := 0; i < last; i++ {
			st := stats[seg[i]]
			wl += st.w
			sl += st.wy
			xnext := xf[seg[i+1]]
			if xnext == xcur || i+1 < minLeaf {
				xcur = xnext
				continue
			}
			xcur = xnext
			wr, sr := wSum-wl, sSum-sl
			if score := sl*sl/(wl+l2) + sr*sr/(wr+l2); score > best.score {
				best.pos, best.nLeft, best.score = i, i+1, score
			}
		}
	} else {
		try := func(pos, nl int, wl, sl float64, missingLeft bool) {
			if nl < minLeaf || n-nl < minLeaf {
				return
			}
			wr, sr := wSum-wl, sSum-sl
			if score := sl*sl/(wl+l2) + sr*sr/(wr+l2); score > best.score {
				best.pos, best.nLeft, best.missingLeft, best.score = pos, nl, missingLeft, score
			}
		}
		for i := 0; i < m-1; i++ {
			r := seg[i]
			wl += stats[r].w
			sl += stats[r].wy
			if xf[seg[i+1]] == xf[r] {
				continue
			}
			try(i, i+1, wl, sl, false)
			try(i, i+1+nMiss, wl+wMiss, sl+sMiss, true)
		}
		if m > 0 {
			wl += stats[seg[m-1]].w
			sl += stats[seg[m-1]].wy
			try(m-1, m, wl, sl, false)
		}
	}
	if best.pos < 0 {
		return best, false
	}
	if best.pos == m-1 {
		best.threshold = float32(math.Inf(1))
	} else {
		best.threshold = midpoint(xf[seg[best.pos]], xf[seg[best.pos+1]])
	}
	return best, true
}

// midpoint returns a threshold t with a <= t < b for a < b: their midpoint,
// or a itself when the midpoint rounds up to b in float32 (as it does for
// adjacent float32 values) or overflows.
func midpoint(a, b float32) float32 {
	t := float32((float64(a) + float64(b)) / 2)
	if t >= b || math.IsInf(float64(t), 0) {
		return a
	}
	return t
}

// partition splits nd's segment of every used feature stably into the
// rows going left and those going right.
func (b *exactBuilder) partition(nd openNode, s exactSplit, features []int32) {
	seg := b.idx[s.feature][nd.start:nd.end]
	xf := b.d.col[s.feature]
	for i, r := range seg {
		goLeft := i <= s.pos
		if v := xf[r]; v != v {
			goLeft = s.missingLeft
		}
		b.left[r] = 0
		if goLeft {
			b.left[r] = 1
		}
	}
	tmp := b.tmp[:len(seg)]
	for _, f := range features {
		seg := b.idx[f][nd.start:nd.end]
		// Branch-free: each row is written to both outputs and only the
		// matching cursor moves, because the direction is unpredictable.
		k, j := 0, 0
		for _, r := range seg {
			l := int(b.left[r])
			seg[k] = r
			tmp[j] = r
			k += l
			j += 1 - l
		}
		copy(seg[k:], tmp[:j])
	}
}

// parallelFor calls fn(i) for i in [0, n) on up to threads goroutines.
func parallelFor(n, threads int, fn func(i int)) {
	threads = max(1, min(threads, n))
	if threads == 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range threads {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
