// Package gradcheck compares the gradients a graph computes with central
// finite differences, for tests of graph code.
package gradcheck

import (
	"fmt"
	"math"
	"slices"
)

// Default settings, for float64 graphs with costs of order one.
const (
	// Tolerance is the largest relative error accepted on any entry.
	Tolerance = 1e-5
	// Floor is the magnitude below which an entry is compared by absolute
	// error: with Step, the finite difference of a cost of order one is
	// only accurate to about 1e-10.
	Floor = 1e-4
	// Step is the finite-difference step.
	Step = 1e-5
)

// Param is a parameter under check: its name, for messages, and its float64
// values, which Compare changes in place and restores.
type Param struct {
	Name   string
	Values []float64
}

// Result summarises a passed check.
type Result struct {
	// Worst is the largest relative error seen.
	Worst float64
	// Entries is the number of values checked.
	Entries int
}

// Compare checks analytic[i], the gradient of the cost with respect to
// params[i], against the central difference (cost(w+Step) − cost(w−Step))
// / 2·Step of every entry. It changes each value in place, calls cost,
// which must run the graph and return the cost, and restores the value.
// Each entry's relative error is |a − n| / max(Floor, |a|, |n|). Compare
// returns an error for the first entry above Tolerance, and also when every
// entry of a parameter's gradient is below Floor, since such a check tests
// nothing.
func Compare(params []Param, analytic [][]float64, cost func() (float64, error)) (Result, error) {
	var res Result
	if len(params) != len(analytic) {
		return res, fmt.Errorf("gradcheck: %d parameters, %d gradients", len(params), len(analytic))
	}
	for i, p := range params {
		values := p.Values
		grad := analytic[i]
		if len(grad) != len(values) {
			return res, fmt.Errorf("gradcheck: %s: gradient has %d values, parameter %d", p.Name, len(grad), len(values))
		}
		if slices.IndexFunc(grad, func(v float64) bool { return math.Abs(v) > Floor }) < 0 {
			return res, fmt.Errorf("gradcheck: %s: every gradient entry is below %g, so the check tests nothing", p.Name, Floor)
		}
		for j := range values {
			orig := values[j]
			values[j] = orig + Step
			up, err := cost()
			if err != nil {
				values[j] = orig
				return res, err
			}
			values[j] = orig - Step
			down, err := cost()
			values[j] = orig
			if err != nil {
				return res, err
			}
			numeric := (up - down) / (2 * Step)
			a := grad[j]
			rel := math.Abs(a-numeric) / math.Max(Floor, math.Max(math.Abs(a), math.Abs(numeric)))
			res.Worst = math.Max(res.Worst, rel)
			res.Entries++
			if !(rel <= Tolerance) {
				return res, fmt.Errorf("gradcheck: %s[%d]: gradient %.10g, finite difference %.10g, relative error %.3g", p.Name, j, a, numeric, rel)
			}
		}
	}
	return res, nil
}
