// Package baselines fits the tree ensembles that hrmg compares with the
// HRM: a random forest of exact CART regression trees and gradient-boosted
// trees, histogram-based by default, with an exact mode that matches
// scikit-learn's GradientBoostingRegressor.
//
// # Data
//
// Features come as a row-major data.Matrix of float32, the output of the
// data package's preprocessing (imputed and one-hot encoded, no scaling
// needed). Targets are []float64 in model units (after the optional target
// transform), and so are predictions. Inputs are never modified. NaN in a
// feature is allowed in training and in prediction: every split learns
// which side missing values go to (see Node). Infinite feature values are
// ordered like any other value.
//
// # Determinism
//
// The same data, configuration and seed give the same model, bit for bit,
// whatever the number of threads. Each forest tree draws from its own
// random stream derived from the seed and the tree's index. Each feature's
// histogram is summed by one goroutine in a fixed order, never split across
// threads.
//
// # Tree layout
//
// A Tree is a flat slice of internal nodes and a separate slice of leaf
// values, with no pointers. Node 0 is the root. A child index c >= 0 is
// another internal node, always with a larger index than its parent, and
// c < 0 is the leaf ^c (bitwise complement, so -1 is leaf 0). A tree that
// never split has no nodes and a single leaf. A row goes left when its
// value is <= Threshold, and a NaN goes to the side the node's MissingLeft
// flag names.
//
// # Files
//
// Models are saved in the modelfile container with kinds
// modelfile.KindForest and modelfile.KindGBM: the configuration and the
// feature importances as the JSON config, the trees as the binary payload,
// and the caller's preprocessing JSON stored verbatim.
package baselines
