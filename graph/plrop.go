package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// periodicOp maps x (B,F) and frequencies c (F,K) to (B, F·2K): for each
// feature f the K values cos(2π·c_fk·x_f), then the K values sin(2π·c_fk·x_f).
type periodicOp struct{}

func (op periodicOp) Arity() int { return 2 }

func (op periodicOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op periodicOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	x, ok1 := in[0].(tensor.Shape)
	c, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || x.Dims() != 2 || c.Dims() != 2 || x[1] != c[0] {
		return nil, fmt.Errorf("periodic: input shapes %v and %v, want (B, F) and (F, K)", in[0], in[1])
	}
	return tensor.Shape{x[0], x[1] * 2 * c[1]}, nil
}

func (op periodicOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("periodic", in, 2)
	if err != nil {
		return nil, err
	}
	rows, feats, freqs := ts[0].Shape()[0], ts[0].Shape()[1], ts[1].Shape()[1]
	out := tensor.New(tensor.WithShape(rows, feats*2*freqs), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		periodicForward(ts[0].Float32s(), ts[1].Float32s(), out.Float32s(), rows, feats, freqs)
	case tensor.Float64:
		periodicForward(ts[0].Float64s(), ts[1].Float64s(), out.Float64s(), rows, feats, freqs)
	default:
		return nil, fmt.Errorf("periodic: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func periodicForward[T float32 | float64](x, c, out []T, rows, feats, freqs int) {
	for i := range rows {
		for f := range feats {
			xf := 2 * math.Pi * float64(x[i*feats+f])
			row := out[(i*feats+f)*2*freqs:]
			for k := range freqs {
				sin, cos := math.Sincos(xf * float64(c[f*freqs+k]))
				row[k] = T(cos)
				row[freqs+k] = T(sin)
			}
		}
	}
}

func (op periodicOp) DiffWRT(inputs int) []bool { return []bool{true, true} }

func (op periodicOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, 2)
	for wrt := range grads {
		var err error
		grads[wrt], err = G.ApplyOp(periodicGradOp{wrt: wrt}, inputs[0], inputs[1], output, grad)
		if err != nil {
			return nil, fmt.Errorf("periodic gradient of input %d: %w", wrt, err)
		}
	}
	return grads, nil
}

func (op periodicOp) ReturnsPtr() bool      { return false }
func (op periodicOp) CallsExtern() bool     { return false }
func (op periodicOp) OverwritesInput() int  { return -1 }
func (op periodicOp) String() string        { return "Periodic" }
func (op periodicOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "Periodic") }
func (op periodicOp) Hashcode() uint32      { return hashOf(op) }

// periodicGradOp computes ∂L/∂x (wrt 0) or ∂L/∂c (wrt 1) of periodicOp from
// x, c, its output and ∂L/∂output. The output already holds the sines and
// cosines the derivatives need.
type periodicGradOp struct {
	noGrad
	wrt int
}

func (op periodicGradOp) Arity() int { return 4 }

func (op periodicGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t, t)
}

func (op periodicGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[op.wrt].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("periodic gradient: input %d has shape %v", op.wrt, in[op.wrt])
	}
	return s.Clone(), nil
}

func (op periodicGradOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("periodic gradient", in, 4)
	if err != nil {
		return nil, err
	}
	rows, feats, freqs := ts[0].Shape()[0], ts[0].Shape()[1], ts[1].Shape()[1]
	out := tensor.New(tensor.WithShape(ts[op.wrt].Shape()...), tensor.Of(ts[0].Dtype()))
	switch ts[0].Dtype() {
	case tensor.Float32:
		periodicBackward(dataOf[float32](ts), out.Float32s(), op.wrt, rows, feats, freqs)
	case tensor.Float64:
		periodicBackward(dataOf[float64](ts), out.Float64s(), op.wrt, rows, feats, freqs)
	default:
		return nil, fmt.Errorf("periodic gradient: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

// periodicBackward accumulates into d the gradient with respect to input
// wrt. With v = 2π·c·x, ∂cos v/∂v = −sin v and ∂sin v/∂v = cos v.
func periodicBackward[T float32 | float64](in [][]T, d []T, wrt, rows, feats, freqs int) {
	x, c, out, g := in[0], in[1], in[2], in[3]
	clear(d)
	for i := range rows {
		for f := range feats {
			at := (i*feats + f) * 2 * freqs
			cos, sin := out[at:at+freqs], out[at+freqs:at+2*freqs]
			gcos, gsin := g[at:at+freqs], g[at+freqs:at+2*freqs]
			xf := x[i*feats+f]
			var dx T
			for k := range freqs {
				gv := 2 * math.Pi * (gsin[k]*cos[k] - gcos[k]*sin[k])
				if wrt == 0 {
					dx += gv * c[f*freqs+k]
				} else {
					d[f*freqs+k] += gv * xf
				}
			}
			if wrt == 0 {
				d[i*feats+f] = dx
			}
		}
	}
}

func (op periodicGradOp) ReturnsPtr() bool      { return false }
func (op periodicGradOp) CallsExtern() bool     { return false }
func (op periodicGradOp) OverwritesInput() int  { return -1 }
func (op periodicGradOp) String() string        { return fmt.Sprintf("PeriodicGrad%d", op.wrt) }
func (op periodicGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op periodicGradOp) Hashcode() uint32      { return hashOf(op) }

// featureLinearOp applies a separate linear map to each feature's block of
// columns: p (B, F·M) and W (F, M, D) give (B, F·D) with
//
//	out[b, f·D+j] = Σ_m p[b, f·M+m] · W[f, m, j]
//
// Each feature is one BLAS matrix product on a strided block, so the cost is
// B·F·M·D multiply-adds, not the (F·M)·(F·D) of a block-diagonal matrix.
type featureLinearOp struct{}

func (op featureLinearOp) Arity() int { return 2 }

func (op featureLinearOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t2 := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t2, G.TensorType{Dims: 3, Of: a}, t2)
}

func (op featureLinearOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	p, ok1 := in[0].(tensor.Shape)
	w, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || p.Dims() != 2 || w.Dims() != 3 || p[1] != w[0]*w[1] {
		return nil, fmt.Errorf("feature linear: input shapes %v and %v, want (B, F·M) and (F, M, D)", in[0], in[1])
	}
	return tensor.Shape{p[0], w[0] * w[2]}, nil
}

func (op featureLinearOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("feature linear", in, 2)
	if err != nil {
		return nil, err
	}
	ws := ts[1].Shape()
	rows, feats, m, d := ts[0].Shape()[0], ws[0], ws[1], ws[2]
	out := tensor.New(tensor.WithShape(rows, feats*d), tensor.Of(ts[0].Dtype()))
	impl := G.WhichBLAS()
	switch ts[0].Dtype() {
	case tensor.Float32:
		p, w, o := ts[0].Float32s(), ts[1].Float32s(), out.Float32s()
		for f := range feats {
			impl.Sgemm(blas.NoTrans, blas.NoTrans, rows, d, m, 1, p[f*m:], feats*m, w[f*m*d:], d, 0, o[f*d:], feats*d)
		}
	case tensor.Float64:
		p, w, o := ts[0].Float64s(), ts[1].Float64s(), out.Float64s()
		for f := range feats {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, rows, d, m, 1, p[f*m:], feats*m, w[f*m*d:], d, 0, o[f*d:], feats*d)
		}
	default:
		return nil, fmt.Errorf("feature linear: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func (op featureLinearOp) DiffWRT(inputs int) []bool { return []bool{true, true} }

func (op featureLinearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, 2)
	for wrt := range grads {
		var err error
		grads[wrt], err = G.ApplyOp(featureLinearGradOp{wrt: wrt}, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, fmt.Errorf("feature linear gradient of input %d: %w", wrt, err)
		}
	}
	return grads, nil
}

func (op featureLinearOp) ReturnsPtr() bool      { return false }
func (op featureLinearOp) CallsExtern() bool     { return false }
func (op featureLinearOp) OverwritesInput() int  { return -1 }
func (op featureLinearOp) String() string        { return "FeatureLinear" }
func (op featureLinearOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "FeatureLinear") }
func (op featureLinearOp) Hashcode() uint32      { return hashOf(op) }

// featureLinearGradOp computes ∂L/∂p (wrt 0) or ∂L/∂W (wrt 1) of
// featureLinearOp from p, W and ∂L/∂out:
//
//	∂L/∂p_f = G_f · W_fᵀ    ∂L/∂W_f = p_fᵀ · G_f
//
// where p_f, G_f are feature f's column blocks.
type featureLinearGradOp struct {
	noGrad
	wrt int
}

func (op featureLinearGradOp) Arity() int { return 3 }

func (op featureLinearGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t2, t3 := G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 3, Of: a}
	if op.wrt == 0 {
		return hm.NewFnType(t2, t3, t2, t2)
	}
	return hm.NewFnType(t2, t3, t2, t3)
}

func (op featureLinearGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[op.wrt].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("feature linear gradient: input %d has shape %v", op.wrt, in[op.wrt])
	}
	return s.Clone(), nil
}

func (op featureLinearGradOp) Do(in ...G.Value) (G.Value, error) {
	ts, err := denseInputs("feature linear gradient", in, 3)
	if err != nil {
		return nil, err
	}
	ws := ts[1].Shape()
	rows, feats, m, d := ts[0].Shape()[0], ws[0], ws[1], ws[2]
	out := tensor.New(tensor.WithShape(ts[op.wrt].Shape()...), tensor.Of(ts[0].Dtype()))
	impl := G.WhichBLAS()
	switch ts[0].Dtype() {
	case tensor.Float32:
		p, w, g, o := ts[0].Float32s(), ts[1].Float32s(), ts[2].Float32s(), out.Float32s()
		for f := range feats {
			if op.wrt == 0 {
				impl.Sgemm(blas.NoTrans, blas.Trans, rows, m, d, 1, g[f*d:], feats*d, w[f*m*d:], d, 0, o[f*m:], feats*m)
			} else {
				impl.Sgemm(blas.Trans, blas.NoTrans, m, d, rows, 1, p[f*m:], feats*m, g[f*d:], feats*d, 0, o[f*m*d:], d)
			}
		}
	case tensor.Float64:
		p, w, g, o := ts[0].Float64s(), ts[1].Float64s(), ts[2].Float64s(), out.Float64s()
		for f := range feats {
			if op.wrt == 0 {
				impl.Dgemm(blas.NoTrans, blas.Trans, rows, m, d, 1, g[f*d:], feats*d, w[f*m*d:], d, 0, o[f*m:], feats*m)
			} else {
				impl.Dgemm(blas.Trans, blas.NoTrans, m, d, rows, 1, p[f*m:], feats*m, g[f*d:], feats*d, 0, o[f*m*d:], d)
			}
		}
	default:
		return nil, fmt.Errorf("feature linear gradient: unsupported dtype %v", ts[0].Dtype())
	}
	return out, nil
}

func (op featureLinearGradOp) ReturnsPtr() bool      { return false }
func (op featureLinearGradOp) CallsExtern() bool     { return false }
func (op featureLinearGradOp) OverwritesInput() int  { return -1 }
func (op featureLinearGradOp) String() string        { return fmt.Sprintf("FeatureLinearGrad%d", op.wrt) }
func (op featureLinearGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op featureLinearGradOp) Hashcode() uint32      { return hashOf(op) }
