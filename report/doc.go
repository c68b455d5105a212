// Package report turns the results of a model comparison into a text
// table, a Markdown report with PNG plots, and JSON for scripts.
//
// A Report holds one or more splits of the same data (a random or given
// split, and a spatial block split when the rows have coordinates). Each
// split holds the models fitted on it, each model one Run per seed, and
// each run its test metrics, timings, model file and test predictions.
// The package computes nothing about the models themselves: it summarises
// the runs (mean and sample standard deviation over seeds) and draws them.
//
// # Files
//
// Write puts report.md and report.json in the output directory and each
// split's plots in the split's own subdirectory, named by Split.ID, next
// to the model files the caller saved there. Every file is written
// atomically.
//
// # Plots
//
// Every plot's title names the split, and every axis label gives its
// unit. Target values are labelled with Report.Unit, or as "target units"
// when no unit is known. Residuals are actual minus
// predicted, so a positive residual is a row the model underpredicts.
//
// The package never logs. Figures that cannot be drawn, such as a ponder
// map where every row used the same number of cycles, are left out and
// listed in the split's notes.
package report
