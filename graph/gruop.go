package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused GRU step is three ops:
//
//	gruStepOp      xW, hU (B,3H), h (B,H), b (1,3H), bhn (1,H) → h' (B,H)
//	gruStepGradOp  h, h', ∂L/∂h' → all input gradients, packed flat
//	pickOp         one gradient out of the packed vector
//
// Gorgonia allows one output per node, so the forward op saves r, z, n and
// hn+bhn for the backward op instead of computing them again: that halves
// the exp calls, which dominate the step's elementwise time.

// Indices of gruStepOp's inputs.
const (
	gruXW = iota
	gruHU
	gruH
	gruB
	gruBHN
	gruArity
)

// gruStepOp is the elementwise part of a GRU step.
type gruStepOp struct {
	// saved holds r, z, n and hn+bhn from the last run for the backward op.
	// It is nil until a gradient is built, so inference graphs do not save.
	// Two machines must not run one graph at once, as with any Gorgonia
	// graph: both would write the saved values.
	saved *gruSaved
}

type gruSaved struct {
	f32 [4][]float32
	f64 [4][]float64
}

func (op *gruStepOp) Arity() int    { return gruArity }
func (op *gruStepOp) Type() hm.Type { return matrixType(gruArity) }

func (op *gruStepOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("gru step", in)
	if err != nil {
		return nil, err
	}
	rows, cols := s[gruH][0], s[gruH][1]
	want := []tensor.Shape{{rows, 3 * cols}, {rows, 3 * cols}, {rows, cols}, {1, 3 * cols}, {1, cols}}
	for i := range s {
		if !s[i].Eq(want[i]) {
			return nil, fmt.Errorf("gru step: input %d has shape %v, want %v", i, s[i], want[i])
		}
	}
	return tensor.Shape{rows, cols}, nil
}

func (op *gruStepOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("gru step", in, gruArity)
	if err != nil {
		return nil, err
	}
	rows, cols := ts[gruH].Shape()[0], ts[gruH].Shape()[1]
	out := tensor.New(tensor.WithShape(rows, cols), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		var save *[4][]float32
		if op.saved != nil {
			save = &op.saved.f32
		}
		gruForward(dataOf[float32](ts), out.Float32s(), save, rows, cols)
	case tensor.Float64:
		var save *[4][]float64
		if op.saved != nil {
			save = &op.saved.f64
		}
		gruForward(dataOf[float64](ts), out.Float64s(), save, rows, cols)
	default:
		return nil, fmt.Errorf("gru step: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

// gruForward computes h' and, when save is not nil, keeps r, z, n and
// hn+bhn in it. in holds gruStepOp's inputs in order.
//
// Each row is done in passes over small buffers: the pre-activations of r
// and z, one exp pass over them, the candidate's pre-activation, one exp
// pass over it, then the update. float32 graphs use expFast, float64 graphs
// the standard library's exp; tanh a = 1 − 2/(e^2a + 1).
func gruForward[T float32 | float64](in [][]T, out []T, save *[4][]T, rows, cols int) {
	xw, hu, h, b, bhn := in[gruXW], in[gruHU], in[gruH], in[gruB], in[gruBHN]
	var sr, sz, sn, shn []T
	if save != nil {
		for i := range save {
			if len(save[i]) != rows*cols {
				save[i] = make([]T, rows*cols)
			}
		}
		sr, sz, sn, shn = save[0], save[1], save[2], save[3]
	}
	exp := expExactSlice
	if len(out) > 0 && isFloat32(out[0]) {
		exp = expFastSlice
	}
	br, bz, bn := b[:cols], b[cols:2*cols], b[2*cols:]
	parallelRows(rows, cols, func(lo, hi int) {
		// e holds e^−a for the r and z pre-activations, then e^2a for
		// the candidate's; hnb holds hn + bhn.
		e := make([]float64, 2*cols)
		hnb := make([]float64, cols)
		for i := lo; i < hi; i++ {
			// Row i of xW and hU holds the r, z and n blocks side by side.
			x, u := xw[3*i*cols:3*(i+1)*cols], hu[3*i*cols:3*(i+1)*cols]
			for j := range cols {
				e[j] = -float64(x[j] + u[j] + br[j])
				e[cols+j] = -float64(x[cols+j] + u[cols+j] + bz[j])
			}
			exp(e)
			for j := range cols {
				r := 1 / (1 + e[j])
				hnb[j] = float64(u[2*cols+j] + bhn[j])
				e[cols+j] = 1 / (1 + e[cols+j]) // z
				e[j] = r
			}
			if save != nil {
				row := i * cols
				for j := range cols {
					sr[row+j], sz[row+j], shn[row+j] = T(e[j]), T(e[cols+j]), T(hnb[j])
				}
			}
			// The candidate's pre-activation a; e^2a overwrites r.
			for j := range cols {
				e[j] = 2 * (float64(x[2*cols+j]+bn[j]) + e[j]*hnb[j])
			}
			exp(e[:cols])
			prev, o := h[i*cols:(i+1)*cols], out[i*cols:(i+1)*cols]
			for j := range cols {
				n := 1 - 2/(e[j]+1)
				z := e[cols+j]
				o[j] = T(n + z*(float64(prev[j])-n))
				if save != nil {
					sn[i*cols+j] = T(n)
				}
			}
		}
	})
}

func (op *gruStepOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = true
	}
	return d
}

// gruGrads describes where gruStepGradOp packs each input's gradient, for
// B rows and H hidden units: ∂L/∂xW (B,3H), then ∂L/∂hU (B,3H), then ∂L/∂h
// (B,H). The bias gradients are column sums of ∂L/∂xW and of the n block
// of ∂L/∂hU.
func gruGrads(rows, cols int) [gruArity]pickOp {
	w := 3 * cols
	return [gruArity]pickOp{
		gruXW:  {offset: 0, rows: rows, stride: w, from: 0, to: w},
		gruHU:  {offset: rows * w, rows: rows, stride: w, from: 0, to: w},
		gruH:   {offset: 2 * rows * w, rows: rows, stride: cols, from: 0, to: cols},
		gruB:   {offset: 0, rows: rows, stride: w, from: 0, to: w, sum: true},
		gruBHN: {offset: rows * w, rows: rows, stride: w, from: 2 * cols, to: w, sum: true},
	}
}

func (op *gruStepOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != gruArity {
		return nil, fmt.Errorf("gru step gradient: %d inputs, want %d", len(inputs), gruArity)
	}
	if op.saved == nil {
		op.saved = &gruSaved{}
	}
	packed, err := G.ApplyOp(&gruStepGradOp{fwd: op}, inputs[gruH], output, grad)
	if err != nil {
		return nil, fmt.Errorf("gru step gradient: %w", err)
	}
	shape := inputs[gruH].Shape()
	picks := gruGrads(shape[0], shape[1])
	grads := make(G.Nodes, gruArity)
	for i, pick := range picks {
		if grads[i], err = G.ApplyOp(pick, packed); err != nil {
			return nil, fmt.Errorf("gru step gradient of input %d: %w", i, err)
		}
	}
	return grads, nil
}

func (op *gruStepOp) ReturnsPtr() bool      { return false }
func (op *gruStepOp) CallsExtern() bool     { return false }
func (op *gruStepOp) OverwritesInput() int  { return -1 }
func (op *gruStepOp) String() string        { return "GRUStep" }
func (op *gruStepOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "GRUStep") }
func (op *gruStepOp) Hashcode() uint32      { return hashOf(op) }

// gruStepGradOp computes a GRU step's input gradients from the values its
// forward op saved, packed as gruGrads describes. Its inputs are h, the
// forward output (read only so that the machine runs the forward op first)
// and ∂L/∂h'.
type gruStepGradOp struct {
	noGrad
	fwd *gruStepOp
}

func (op *gruStepGradOp) Arity() int { return 3 }

func (op *gruStepGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t2 := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t2, t2, t2, G.TensorType{Dims: 1, Of: a})
}

func (op *gruStepGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := matrixShapes("gru step gradient", in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{7 * s[0][0] * s[0][1]}, nil
}

func (op *gruStepGradOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("gru step gradient", in, 3)
	if err != nil {
		return nil, err
	}
	rows, cols := ts[0].Shape()[0], ts[0].Shape()[1]
	out := tensor.New(tensor.WithShape(7*rows*cols), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		if len(op.fwd.saved.f32[0]) != rows*cols {
			return nil, fmt.Errorf("gru step gradient: the forward step saved no float32 values")
		}
		gruBackward(ts[0].Float32s(), ts[2].Float32s(), &op.fwd.saved.f32, out.Float32s(), rows, cols)
	case tensor.Float64:
		if len(op.fwd.saved.f64[0]) != rows*cols {
			return nil, fmt.Errorf("gru step gradient: the forward step saved no float64 values")
		}
		gruBackward(ts[0].Float64s(), ts[2].Float64s(), &op.fwd.saved.f64, out.Float64s(), rows, cols)
	default:
		return nil, fmt.Errorf("gru step gradient: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

// gruBackward fills packed from h, g = ∂L/∂h' and the saved r, z, n and
// hn+bhn.
func gruBackward[T float32 | float64](h, g []T, saved *[4][]T, packed []T, rows, cols int) {
	sr, sz, sn, shn := saved[0], saved[1], saved[2], saved[3]
	w := 3 * cols
	dxw, dhu, dh := packed[:rows*w], packed[rows*w:2*rows*w], packed[2*rows*w:]
	parallelRows(rows, cols, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := range cols {
				k := i*cols + j
				r, z, n, gk := sr[k], sz[k], sn[k], g[k]
				// h' = n + z(h − n): ∂h'/∂n = 1 − z, ∂h'/∂z = h − n, ∂h'/∂h = z.
				an := gk * (1 - z) * (1 - n*n)
				az := gk * (h[k] - n) * z * (1 - z)
				ar := an * shn[k] * r * (1 - r)
				x, u := dxw[i*w:(i+1)*w], dhu[i*w:(i+1)*w]
				x[j], x[cols+j], x[2*cols+j] = ar, az, an
				u[j], u[cols+j], u[2*cols+j] = ar, az, an*r
				dh[k] = gk * z
			}
		}
	})
}

func (op *gruStepGradOp) ReturnsPtr() bool      { return false }
func (op *gruStepGradOp) CallsExtern() bool     { return false }
func (op *gruStepGradOp) OverwritesInput() int  { return -1 }
func (op *gruStepGradOp) String() string        { return "GRUStepGrad" }
func (op *gruStepGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "GRUStepGrad") }
func (op *gruStepGradOp) Hashcode() uint32      { return hashOf(op) }

// pickOp copies a block out of a flat vector that holds a rows×stride
// matrix from offset: columns [from, to) of each row, giving (rows, to−from),
// or with sum set their column sums, giving (1, to−from). The copy keeps
// each gradient in its own memory, so no later in-place op can write into
// another.
type pickOp struct {
	noGrad
	offset, rows, stride, from, to int
	sum                            bool
}

func (op pickOp) Arity() int { return 1 }

func (op pickOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 1, Of: a}, G.TensorType{Dims: 2, Of: a})
}

func (op pickOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 1 || op.offset+op.rows*op.stride > s[0] || op.from < 0 || op.to > op.stride || op.from >= op.to {
		return nil, fmt.Errorf("%v: input has shape %v", op, in[0])
	}
	if op.sum {
		return tensor.Shape{1, op.to - op.from}, nil
	}
	return tensor.Shape{op.rows, op.to - op.from}, nil
}

func (op pickOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("pick", in, 1)
	if err != nil {
		return nil, err
	}
	outRows := op.rows
	if op.sum {
		outRows = 1
	}
	out := tensor.New(tensor.WithShape(outRows, op.to-op.from), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		pick(op, ts[0].Float32s(), out.Float32s())
	case tensor.Float64:
		pick(op, ts[0].Float64s(), out.Float64s())
	default:
		return nil, fmt.Errorf("pick: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func pick[T float32 | float64](op pickOp, src, out []T) {
	width := op.to - op.from
	if op.sum {
		clear(out)
	}
	for i := range op.rows {
		row := src[op.offset+i*op.stride+op.from : op.offset+i*op.stride+op.to]
		if !op.sum {
			copy(out[i*width:(i+1)*width], row)
			continue
		}
		for j, v := range row {
			out[j] += v
		}
	}
}

func (op pickOp) ReturnsPtr() bool     { return false }
func (op pickOp) CallsExtern() bool    { return false }
func (op pickOp) OverwritesInput() int { return -1 }
func (op pickOp) String() string {
	kind := "Pick"
	if op.sum {
		kind = "PickSum"
	}
	return fmt.Sprintf("%s[%d:%d×%d, %d:%d]", kind, op.offset, op.rows, op.stride, op.from, op.to)
}
func (op pickOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op pickOp) Hashcode() uint32      { return hashOf(op) }

// denseInputs checks that in holds n dense tensors of one float dtype.
func denseInputs(opName string, in []G.Value, n int) ([]*tensor.Dense, error) {
	if len(in) != n {
		return nil, fmt.Errorf("%s: %d inputs, want %d", opName, len(in), n)
	}
	ts := make([]*tensor.Dense, n)
	for i, v := range in {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("%s: input %d is %T, want a dense tensor", opName, i, v)
		}
		if d.IsMaterializable() {
			return nil, fmt.Errorf("%s: input %d is a strided view", opName, i)
		}
		if i > 0 && d.Dtype() != ts[0].Dtype() {
			return nil, fmt.Errorf("%s: input %d is %v, input 0 is %v", opName, i, d.Dtype(), ts[0].Dtype())
		}
		ts[i] = d
	}
	return ts, nil
}

// dataOf returns the backing slices of dense tensors of element type T.
func dataOf[T float32 | float64](ts []*tensor.Dense) [][]T {
	out := make([][]T, len(ts))
	for i, t := range ts {
		out[i] = t.Data().([]T)
	}
	return out
}

// hashOf hashes an op by its WriteHash output.
func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
