// Package blas selects the BLAS implementation that Gorgonia and gonum use
// for matrix products.
//
// The default build uses gonum's pure-Go BLAS, so hrmg builds anywhere Go
// does. Building with -tags openblas (cgo, and libopenblas-dev on Debian)
// switches to OpenBLAS through gonum's netlib bindings, which runs the
// HRM's matrix products about 2.5 times faster on two cores.
package blas
