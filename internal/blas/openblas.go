//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// Name is the BLAS implementation this binary was built with.
const Name = "openblas"

// Init makes Gorgonia use OpenBLAS. Call it once, before any graph runs.
func Init() string {
	G.Use(netlib.Implementation{})
	return Name
}

// SetThreads sets the number of threads OpenBLAS runs a product on.
func SetThreads(n int) {
	C.openblas_set_num_threads(C.int(n))
}
