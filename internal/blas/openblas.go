//go:build openblas

package blas

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
