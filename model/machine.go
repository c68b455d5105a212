package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// NewMachine returns a tape machine for the graph. It is compiled for the
// outputs and the learnables' gradients only, which skips the gradients
// Gorgonia would otherwise compute for the data inputs (X, Y, the initial
// states). Reuse one machine for every minibatch: write the inputs, call
// RunAll, read the outputs and gradients, then Reset.
//
// One graph must not be run by two machines at once: values are bound to
// the graph's nodes.
func (tg *TrainGraph) NewMachine() (G.VM, error) {
	outputs := G.Nodes{tg.Loss, tg.Pred, tg.PonderSteps, tg.ZH, tg.ZL}
	if tg.PonderLoss != nil {
		outputs = append(outputs, tg.TaskLoss, tg.PonderLoss)
	}
	outputs = append(outputs, tg.Grads...)
	prog, locMap, err := G.CompileFunction(tg.Graph, tg.Graph.Inputs(), outputs)
	if err != nil {
		return nil, fmt.Errorf("model: compile training graph: %w", err)
	}
	return G.NewTapeMachine(tg.Graph, G.WithPrecompiled(prog, locMap)), nil
}

// NewMachine returns a tape machine for the graph; see TrainGraph.NewMachine.
func (ig *InferGraph) NewMachine() G.VM {
	return G.NewTapeMachine(ig.Graph)
}
