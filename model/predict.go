package model

import (
	"context"
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
)

// Predict runs the model on the rows of x, row-major with len(m.Features())
// columns in model units. It returns each row's prediction and ponder
// steps, the number of cycles the row used summed over the config's
// segments. Each batch runs Config.Segments times: the first from zero
// states, each later one from the previous one's final states, and the
// prediction is the last segment's.
//
// Predict builds one inference graph of min(batch, rows) rows and pads the
// last partial batch with zero rows, whose outputs are dropped. The graph
// has no batch statistics, so a row's result does not depend on the rows
// around it, up to the rounding of BLAS products. It checks ctx between
// batches.
//
// Predict reads the model's weights while it runs; do not update them
// concurrently.
func (m *HRM) Predict(ctx context.Context, x []float64, batch int) (pred, steps []float64, err error) {
	f := len(m.features)
	if len(x)%f != 0 {
		return nil, nil, fmt.Errorf("model: predict: %d values are not whole rows of %d features", len(x), f)
	}
	rows := len(x) / f
	if rows == 0 {
		return nil, nil, nil
	}
	if batch < 1 {
		return nil, nil, fmt.Errorf("model: predict: batch %d must be at least 1", batch)
	}
	batch = min(batch, rows)
	ig, err := m.BuildInference(batch)
	if err != nil {
		return nil, nil, err
	}
	vm := ig.NewMachine()
	defer vm.Close()

	pred = make([]float64, 0, rows)
	steps = make([]float64, 0, rows)
	chunk := make([]float64, batch*f)
	for start := 0; start < rows; start += batch {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n := min(batch, rows-start)
		copy(chunk, x[start*f:(start+n)*f])
		clear(chunk[n*f:])
		if err := graph.SetValues(ig.X, chunk); err != nil {
			return nil, nil, err
		}
		used := make([]float64, n)
		for seg := 1; seg <= m.cfg.Segments; seg++ {
			if err := m.runSegment(ig, vm, seg); err != nil {
				return nil, nil, fmt.Errorf("model: predict rows %d to %d: %w", start+1, start+n, err)
			}
			for i, s := range graph.Values(ig.PonderSteps)[:n] {
				used[i] += s
			}
		}
		pred = append(pred, graph.Values(ig.Pred)[:n]...)
		steps = append(steps, used...)
	}
	return pred, steps, nil
}

// runSegment runs segment seg (1-based) of the inference graph: the first
// from zero states, each later one from the states the previous one left
// in ig.ZH and ig.ZL.
func (m *HRM) runSegment(ig *InferGraph, vm G.VM, seg int) error {
	defer vm.Reset()
	var zH, zL []float64
	if seg > 1 {
		zH, zL = graph.Values(ig.ZH), graph.Values(ig.ZL)
	} else {
		size := ig.Batch * m.cfg.Hidden
		zH, zL = make([]float64, size), make([]float64, size)
	}
	if err := graph.SetValues(ig.ZH0, zH); err != nil {
		return err
	}
	if err := graph.SetValues(ig.ZL0, zL); err != nil {
		return err
	}
	if err := vm.RunAll(); err != nil {
		return fmt.Errorf("segment %d: %w", seg, err)
	}
	return nil
}
