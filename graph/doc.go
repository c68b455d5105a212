// Package graph provides the building blocks of hrmg's models as nodes on a
// Gorgonia expression graph: a linear layer, a GRU cell, periodic numeric
// embeddings (PLR), Graves' adaptive computation time (ACT) and PonderNet
// halting, and a masked mean squared error.
//
// # Shapes
//
// Every builder's documentation gives its input and output shapes with fixed
// letters: B batch rows, F features, H hidden units, K steps (unrolled
// cycles). Builders check shapes when they add nodes and return an error
// naming the block on a mismatch, so a wrong shape never reaches a running
// machine.
//
// # Parameters and names
//
// A [Param] is a named tensor owned by a model. A [Scope] binds each Param to
// one input node of its graph, with the Param's tensor as the node's value.
// Several graphs built from the same model therefore share weight memory,
// and an optimizer that updates the tensors in place updates every graph.
// Names are hierarchical, such as "hrm/L/gru/W", and a Param's name is also
// its key in the model file. Builders name every node they add under the
// prefix they are given, which [WriteDOT] uses to cluster the graph by
// module.
//
// # Gorgonia pitfalls these builders avoid
//
// Gorgonia v0.9.18 lets an elementwise op overwrite its first input's memory
// when that input is not read later, and Reshape returns a tensor sharing its
// input's memory. Together they corrupt the values the backward pass reads
// (a Reshape between a sigmoid and a loss gives gradients off by a factor of
// order one), so no builder here uses Reshape: halting units keep (B,1)
// shapes throughout. Values meant to be read after a run (predictions,
// states, losses) go through [Keep], which copies them into memory no later
// op writes to.
//
// The fused GRU step, the periodic embedding and the per-feature linear layer
// are custom ops with hand-written gradients, each checked against central
// finite differences in float64.
package graph
