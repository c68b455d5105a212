package gradcheck

import (
	"strings"
	"testing"
)

// sumSquares is the cost Σ w², whose gradient is 2w.
func sumSquares(w []float64) func() (float64, error) {
	return func() (float64, error) {
		s := 0.0
		for _, v := range w {
			s += v * v
		}
		return s, nil
	}
}

func TestCompare(t *testing.T) {
	w := []float64{0.5, -1.5, 2}
	right := [][]float64{{1, -3, 4}}
	res, err := Compare([]Param{{"w", w}}, right, sumSquares(w))
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 3 || res.Worst > 1e-9 {
		t.Errorf("result %+v", res)
	}
	if w[0] != 0.5 || w[1] != -1.5 || w[2] != 2 {
		t.Errorf("parameter not restored: %v", w)
	}

	cases := []struct {
		name     string
		analytic [][]float64
		want     string
	}{
		{"wrong entry", [][]float64{{1, -3, 4.01}}, "w[2]"},
		{"all below floor", [][]float64{{0, 0, 0}}, "tests nothing"},
		{"wrong length", [][]float64{{1, -3}}, "2 values"},
		{"wrong count", nil, "0 gradients"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compare([]Param{{"w", w}}, c.analytic, sumSquares(w))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
