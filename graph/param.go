package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Init fills the values of a new parameter. fanIn is the number of inputs
// that each output of the layer sums over.
type Init func(rng *rand.Rand, fanIn int, values []float64)

// LeCunNormal draws from a normal distribution with standard deviation
// 1/√fanIn, truncated to ±2 standard deviations by redrawing, as the HRM
// reference code initialises its weights.
func LeCunNormal(rng *rand.Rand, fanIn int, values []float64) {
	std := 1 / math.Sqrt(float64(max(fanIn, 1)))
	for i := range values {
		v := rng.NormFloat64()
		for math.Abs(v) > 2 {
			v = rng.NormFloat64()
		}
		values[i] = v * std
	}
}

// Zeros sets every value to 0.
func Zeros(_ *rand.Rand, _ int, values []float64) {
	clear(values)
}

// Constant returns an Init that sets every value to c.
func Constant(c float64) Init {
	return func(_ *rand.Rand, _ int, values []float64) {
		for i := range values {
			values[i] = c
		}
	}
}

// Normal returns an Init that draws from a normal distribution with the
// given standard deviation, whatever the fan-in.
func Normal(std float64) Init {
	return func(rng *rand.Rand, _ int, values []float64) {
		for i := range values {
			values[i] = rng.NormFloat64() * std
		}
	}
}

// NewParam returns a parameter of the given shape and dtype, filled by init.
// The values are drawn in float64 and rounded to the dtype, so float32 and
// float64 models from the same seed start from the same weights up to
// rounding.
func NewParam(name string, dtype tensor.Dtype, shape []int, fanIn int, init Init, rng *rand.Rand) (Param, error) {
	if name == "" {
		return Param{}, fmt.Errorf("graph: parameter with no name")
	}
	size := 1
	for _, d := range shape {
		if d <= 0 {
			return Param{}, fmt.Errorf("graph: parameter %s: invalid shape %v", name, shape)
		}
		size *= d
	}
	values := make([]float64, size)
	init(rng, fanIn, values)
	var t *tensor.Dense
	switch dtype {
	case tensor.Float32:
		f := make([]float32, size)
		for i, v := range values {
			f[i] = float32(v)
		}
		t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	case tensor.Float64:
		t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values))
	default:
		return Param{}, fmt.Errorf("graph: parameter %s: unsupported dtype %v", name, dtype)
	}
	return Param{Name: name, Value: t}, nil
}
