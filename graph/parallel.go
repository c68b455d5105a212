package graph

import (
	"runtime"
	"sync"
)

// minParallelValues is the smallest output, in values, that elementwise ops
// split across goroutines; below it the goroutine start-up costs more than
// it saves.
const minParallelValues = 16384

// maxParallel caps the goroutines one elementwise op uses.
const maxParallel = 8

// parallelRows calls fn on disjoint row ranges [lo, hi) that cover
// [0, rows), on up to GOMAXPROCS goroutines when the op writes enough
// values, and waits for all of them. Gorgonia runs one op at a time, so the
// other cores are otherwise idle during elementwise work.
func parallelRows(rows, cols int, fn func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), maxParallel, rows, max(1, rows*cols/minParallelValues))
	if parts <= 1 {
		fn(0, rows)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := rows*p/parts, rows*(p+1)/parts
		if p == parts-1 {
			fn(lo, hi)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
