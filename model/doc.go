// Package model is hrmg's Hierarchical Reasoning Model (HRM) for tabular
// regression, built from the blocks of package graph.
//
// # Architecture
//
// The input row x (F features) is encoded once, x̃ = f_I(x), by a linear
// layer or by PLR embeddings and a projection. Two GRU cells then take
// turns over K cycles: in each cycle the low-level module runs T steps,
// z_L ← GRU_L(x̃ + z_H·P, z_L), and the high-level module updates once,
// z_H ← GRU_H(z_L, z_H). A linear head reads z_H after every cycle. Without
// halting the prediction is the last cycle's. With ACT or PonderNet a
// halting unit on z_H weights the cycles of each row, and the number of
// cycles each row used is an output of the graph. Gradients flow through
// the whole unroll, not only its last step.
//
// # Weights and graphs
//
// An HRM owns its weights as named tensors (Params). BuildTrain and
// BuildInference build Gorgonia graphs whose parameter nodes are bound to
// those tensors, so every graph of a model shares one copy of the weights:
// an optimizer that writes into the tensors in place updates them all. A
// graph is built for a fixed batch size. A last partial batch is padded and
// masked (training) or padded and cut (Predict), never dropped. Nothing in
// a graph depends on other rows of the batch, so a row's prediction is the
// same in any batch up to rounding. BLAS may order a product's sums
// differently for another batch size: in a check on the California data
// that moved float32 predictions by one unit in the last place (1.2e-7).
//
// # Files
//
// Save and Load keep a model in one modelfile container of kind
// modelfile.KindHRM: the Config and feature names as JSON, the data
// preprocessing as JSON that this package stores without reading, the
// metadata, and the weights as named tensors. Load checks every tensor's
// name, shape and dtype against the config.
//
// # Precision and determinism
//
// Models are float32 by default and float64 for gradient checks. The same
// config, features and seed give the same weights. On a given build the
// same weights and rows also give the same predictions, because every op
// runs in a fixed order and the ops split across goroutines compute each
// value in one goroutine only.
package model
