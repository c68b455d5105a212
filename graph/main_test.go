package graph

import (
	"os"
	"testing"

	"github.com/hrmg/hrmg/internal/blas"
)

// TestMain selects the BLAS the binary was built with (OpenBLAS under
// -tags openblas), as the hrmg command does.
func TestMain(m *testing.M) {
	blas.Init()
	os.Exit(m.Run())
}
