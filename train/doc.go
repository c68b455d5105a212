// Package train fits an HRM from the model package on prepared data.
//
// One training graph is built for the minibatch size and run by one tape
// machine for every minibatch (write the inputs, RunAll, read the loss and
// gradients, update, Reset). A last partial minibatch is padded with
// masked rows, so every training row is used in every epoch. Each epoch
// visits the rows in an order drawn from the seed and the epoch number
// alone, which makes a run reproducible and lets a checkpoint resume in
// the middle of an epoch.
//
// The update is AdamW with decoupled weight decay, after clipping the
// gradients to a maximum global norm. Deep supervision runs several
// segments per minibatch, each a full forward pass that starts from the
// previous segment's final states and takes its own optimizer step. The
// ponder cost of ACT or PonderNet halting enters the loss with a weight τ
// ramped up from 0.
//
// The package does not log. Progress goes to an optional Recorder.
package train
