package train

import "math/rand/v2"

// shuffleStream is the second PCG word of the row order, fixed so that the
// seed and the epoch alone decide it.
const shuffleStream = 0x7368_7566 // "shuf"

// epochOrder returns a permutation of 0..n-1 for one epoch. It depends only
// on seed and epoch, so a resumed run visits rows in the same order. The
// Fisher-Yates loop is written out, rather than using rand.Perm, so that the
// order cannot change with the Go version.
func epochOrder(seed uint64, epoch, n int) []int {
	rng := rand.New(rand.NewPCG(seed, shuffleStream^uint64(epoch)<<32))
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(rng.Uint64() % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}
