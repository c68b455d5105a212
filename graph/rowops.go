package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The ops in this file replace Gorgonia's broadcasting ops and full Sum.
// Those insert Reshape nodes, whose shared memory can corrupt the backward
// pass (see the package documentation), and Repeat allocates the repeated
// operand. These compute each result in one pass into new memory.

// AddBias adds x + b with b repeated over rows: x (B,W), b (1,W) → (B,W).
func AddBias(x, b *G.Node) (*G.Node, error) {
	if err := checkMatrix(x, -1, -1); err != nil {
		return nil, fmt.Errorf("add bias: %w", err)
	}
	if err := checkMatrix(b, 1, x.Shape()[1]); err != nil {
		return nil, fmt.Errorf("add bias: bias: %w", err)
	}
	return G.ApplyOp(biasAddOp{}, x, b)
}

// ScaleRows multiplies each row of v by that row's weight: w (B,1),
// v (B,W) → (B,W).
func ScaleRows(w, v *G.Node) (*G.Node, error) {
	if err := checkMatrix(v, -1, -1); err != nil {
		return nil, fmt.Errorf("scale rows: %w", err)
	}
	if err := checkMatrix(w, v.Shape()[0], 1); err != nil {
		return nil, fmt.Errorf("scale rows: weight: %w", err)
	}
	return G.ApplyOp(rowScaleOp{}, w, v)
}

// matrixType is the type of an op on matrices of one dtype: n matrix
// arguments and a matrix result.
func matrixType(n int) hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, n+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}

// matrixShapes returns the shapes of in, each of which must be a matrix.
func matrixShapes(opName string, in []G.DimSizer) ([]tensor.Shape, error) {
	out := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok || s.Dims() != 2 {
			return nil, fmt.Errorf("%s: input %d has shape %v, want a matrix", opName, i, d)
		}
		out[i] = s
	}
	return out, nil
}

// biasAddOp computes x (B,W) + b (1,W).
type biasAddOp struct{}

func (op biasAddOp) Arity() int    { return 2 }
func (op biasAddOp) Type() hm.Type { return matrixType(2) }

func (op biasAddOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("add bias", in)
	if err != nil {
		return nil, err
	}
	if s[1][0] != 1 || s[1][1] != s[0][1] {
		return nil, fmt.Errorf("add bias: shapes %v and %v, want (B, W) and (1, W)", s[0], s[1])
	}
	return s[0].Clone(), nil
}

func (op biasAddOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("add bias", in, 2)
	if err != nil {
		return nil, err
	}
	cols := ts[0].Shape()[1]
	out := tensor.New(tensor.WithShape(ts[0].Shape()...), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		addBias(ts[0].Float32s(), ts[1].Float32s(), out.Float32s(), cols)
	case tensor.Float64:
		addBias(ts[0].Float64s(), ts[1].Float64s(), out.Float64s(), cols)
	default:
		return nil, fmt.Errorf("add bias: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func addBias[T float32 | float64](x, b, out []T, cols int) {
	for i := 0; i < len(x); i += cols {
		row, dst := x[i:i+cols], out[i:i+cols]
		for j, v := range row {
			dst[j] = v + b[j]
		}
	}
}

func (op biasAddOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op biasAddOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	db, err := G.ApplyOp(colSumOp{}, grad)
	if err != nil {
		return nil, fmt.Errorf("add bias gradient: %w", err)
	}
	return G.Nodes{grad, db}, nil
}

func (op biasAddOp) ReturnsPtr() bool      { return false }
func (op biasAddOp) CallsExtern() bool     { return false }
func (op biasAddOp) OverwritesInput() int  { return -1 }
func (op biasAddOp) String() string        { return "AddBias" }
func (op biasAddOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "AddBias") }
func (op biasAddOp) Hashcode() uint32      { return hashOf(op) }

// colSumOp sums the rows of a matrix: (B,W) → (1,W). It is the gradient of
// a bias and has no gradient itself.
type colSumOp struct{ noGrad }

func (op colSumOp) Arity() int    { return 1 }
func (op colSumOp) Type() hm.Type { return matrixType(1) }

func (op colSumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("column sum", in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{1, s[0][1]}, nil
}

func (op colSumOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("column sum", in, 1)
	if err != nil {
		return nil, err
	}
	rows, cols := ts[0].Shape()[0], ts[0].Shape()[1]
	out := tensor.New(tensor.WithShape(1, cols), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		pick(pickOp{rows: rows, stride: cols, to: cols, sum: true}, ts[0].Float32s(), out.Float32s())
	case tensor.Float64:
		pick(pickOp{rows: rows, stride: cols, to: cols, sum: true}, ts[0].Float64s(), out.Float64s())
	default:
		return nil, fmt.Errorf("column sum: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func (op colSumOp) ReturnsPtr() bool      { return false }
func (op colSumOp) CallsExtern() bool     { return false }
func (op colSumOp) OverwritesInput() int  { return -1 }
func (op colSumOp) String() string        { return "ColSum" }
func (op colSumOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "ColSum") }
func (op colSumOp) Hashcode() uint32      { return hashOf(op) }

// rowScaleOp computes w (B,1) ⊙ v (B,W), each row of v times its weight.
type rowScaleOp struct{}

func (op rowScaleOp) Arity() int    { return 2 }
func (op rowScaleOp) Type() hm.Type { return matrixType(2) }

func (op rowScaleOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("scale rows", in)
	if err != nil {
		return nil, err
	}
	if s[0][1] != 1 || s[0][0] != s[1][0] {
		return nil, fmt.Errorf("scale rows: shapes %v and %v, want (B, 1) and (B, W)", s[0], s[1])
	}
	return s[1].Clone(), nil
}

func (op rowScaleOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("scale rows", in, 2)
	if err != nil {
		return nil, err
	}
	cols := ts[1].Shape()[1]
	out := tensor.New(tensor.WithShape(ts[1].Shape()...), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		scaleRows(ts[0].Float32s(), ts[1].Float32s(), out.Float32s(), cols)
	case tensor.Float64:
		scaleRows(ts[0].Float64s(), ts[1].Float64s(), out.Float64s(), cols)
	default:
		return nil, fmt.Errorf("scale rows: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func scaleRows[T float32 | float64](w, v, out []T, cols int) {
	for i, wi := range w {
		row, dst := v[i*cols:(i+1)*cols], out[i*cols:(i+1)*cols]
		for j, x := range row {
			dst[j] = wi * x
		}
	}
}

func (op rowScaleOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op rowScaleOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dw, err := G.ApplyOp(rowDotOp{}, grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("scale rows gradient: %w", err)
	}
	dv, err := G.ApplyOp(rowScaleOp{}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("scale rows gradient: %w", err)
	}
	return G.Nodes{dw, dv}, nil
}

func (op rowScaleOp) ReturnsPtr() bool      { return false }
func (op rowScaleOp) CallsExtern() bool     { return false }
func (op rowScaleOp) OverwritesInput() int  { return -1 }
func (op rowScaleOp) String() string        { return "ScaleRows" }
func (op rowScaleOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "ScaleRows") }
func (op rowScaleOp) Hashcode() uint32      { return hashOf(op) }

// rowDotOp computes each row's dot product: a, b (B,W) → (B,1). It is the
// gradient of a row weight and has no gradient itself.
type rowDotOp struct{ noGrad }

func (op rowDotOp) Arity() int    { return 2 }
func (op rowDotOp) Type() hm.Type { return matrixType(2) }

func (op rowDotOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("row dot", in)
	if err != nil {
		return nil, err
	}
	if !s[0].Eq(s[1]) {
		return nil, fmt.Errorf("row dot: shapes %v and %v differ", s[0], s[1])
	}
	return tensor.Shape{s[0][0], 1}, nil
}

func (op rowDotOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("row dot", in, 2)
	if err != nil {
		return nil, err
	}
	rows, cols := ts[0].Shape()[0], ts[0].Shape()[1]
	out := tensor.New(tensor.WithShape(rows, 1), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		rowDot(ts[0].Float32s(), ts[1].Float32s(), out.Float32s(), cols)
	case tensor.Float64:
		rowDot(ts[0].Float64s(), ts[1].Float64s(), out.Float64s(), cols)
	default:
		return nil, fmt.Errorf("row dot: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func rowDot[T float32 | float64](a, b, out []T, cols int) {
	for i := range out {
		var sum T
		for j := i * cols; j < (i+1)*cols; j++ {
			sum += a[j] * b[j]
		}
		out[i] = sum
	}
}

func (op rowDotOp) ReturnsPtr() bool      { return false }
func (op rowDotOp) CallsExtern() bool     { return false }
func (op rowDotOp) OverwritesInput() int  { return -1 }
func (op rowDotOp) String() string        { return "RowDot" }
func (op rowDotOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "RowDot") }
func (op rowDotOp) Hashcode() uint32      { return hashOf(op) }

// maskedMeanOp computes Σ v·m / Σ m for v, m (B,1), a scalar.
type maskedMeanOp struct{}

func (op maskedMeanOp) Arity() int { return 2 }

func (op maskedMeanOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t, a)
}

func (op maskedMeanOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("masked mean", in)
	if err != nil {
		return nil, err
	}
	if !s[0].Eq(s[1]) || s[0][1] != 1 {
		return nil, fmt.Errorf("masked mean: shapes %v and %v, want (B, 1) twice", s[0], s[1])
	}
	return tensor.ScalarShape(), nil
}

func (op maskedMeanOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("masked mean", in, 2)
	if err != nil {
		return nil, err
	}
	switch ts[0].Dtype() {
	case tensor.Float32:
		m := G.F32(maskedMean(ts[0].Float32s(), ts[1].Float32s()))
		return &m, nil
	case tensor.Float64:
		m := G.F64(maskedMean(ts[0].Float64s(), ts[1].Float64s()))
		return &m, nil
	}
	return nil, fmt.Errorf("masked mean: unsupported dtype %v", ts[0].Dtype())
}

// maskedMean sums in float64 so that a float32 loss over thousands of rows
// keeps its precision.
func maskedMean[T float32 | float64](v, mask []T) T {
	var sum, count float64
	for i, m := range mask {
		sum += float64(v[i]) * float64(m)
		count += float64(m)
	}
	return T(sum / count)
}

func (op maskedMeanOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op maskedMeanOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dv, err := G.ApplyOp(maskedMeanGradOp{}, grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("masked mean gradient: %w", err)
	}
	return G.Nodes{dv, nil}, nil
}

func (op maskedMeanOp) ReturnsPtr() bool      { return false }
func (op maskedMeanOp) CallsExtern() bool     { return false }
func (op maskedMeanOp) OverwritesInput() int  { return -1 }
func (op maskedMeanOp) String() string        { return "MaskedMean" }
func (op maskedMeanOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "MaskedMean") }
func (op maskedMeanOp) Hashcode() uint32      { return hashOf(op) }

// maskedMeanGradOp computes g·m / Σ m from the scalar g = ∂L/∂mean and the
// mask m (B,1).
type maskedMeanGradOp struct{ noGrad }

func (op maskedMeanGradOp) Arity() int { return 2 }

func (op maskedMeanGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(a, t, t)
}

func (op maskedMeanGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[1].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, fmt.Errorf("masked mean gradient: mask has shape %v", in[1])
	}
	return s.Clone(), nil
}

func (op maskedMeanGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("masked mean gradient: %d inputs, want 2", len(in))
	}
	ts, err := denseInputs("masked mean gradient", in[1:], 1)
	if err != nil {
		return nil, err
	}
	g := valuesOf(in[0])
	if len(g) != 1 {
		return nil, fmt.Errorf("masked mean gradient: gradient is %T, want a scalar", in[0])
	}
	out := tensor.New(tensor.WithShape(ts[0].Shape()...), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		maskedMeanGrad(g[0], ts[0].Float32s(), out.Float32s())
	case tensor.Float64:
		maskedMeanGrad(g[0], ts[0].Float64s(), out.Float64s())
	default:
		return nil, fmt.Errorf("masked mean gradient: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func maskedMeanGrad[T float32 | float64](g float64, mask, out []T) {
	var count float64
	for _, m := range mask {
		count += float64(m)
	}
	for i, m := range mask {
		out[i] = T(g * float64(m) / count)
	}
}

func (op maskedMeanGradOp) ReturnsPtr() bool      { return false }
func (op maskedMeanGradOp) CallsExtern() bool     { return false }
func (op maskedMeanGradOp) OverwritesInput() int  { return -1 }
func (op maskedMeanGradOp) String() string        { return "MaskedMeanGrad" }
func (op maskedMeanGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "MaskedMeanGrad") }
func (op maskedMeanGradOp) Hashcode() uint32      { return hashOf(op) }
