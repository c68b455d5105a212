//go:build !openblas

package blas

// Name is the BLAS implementation this binary was built with.
const Name = "gonum"

// Init keeps Gorgonia's default, gonum's pure-Go BLAS. It exists so that
// callers need not know which build they are in.
func Init() string {
	return Name
}

// SetThreads does nothing: gonum's BLAS splits work across GOMAXPROCS
// goroutines.
func SetThreads(int) {}
