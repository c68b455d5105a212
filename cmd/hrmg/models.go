package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
)

// savedModel is any model file hrmg writes, opened for prediction: an HRM
// or a tree baseline, with its preprocessing.
type savedModel struct {
	Path string
	Kind modelfile.Kind
	Prep *data.Preprocessor
	Meta modelfile.Metadata
	hrm  *model.HRM
	tree baselines.Regressor
}

// modelFileFlag is the --model flag of the commands that use a saved model.
func modelFileFlag() cli.Flag {
	return &cli.StringFlag{Name: "model", Usage: "model `FILE` written by hrmg train, baselines or compare"}
}

// openModel reads a model file of any kind.
func openModel(path string) (*savedModel, error) {
	f, err := modelfile.Read(path)
	if err != nil {
		return nil, dataError(fmt.Errorf("%w; pass a file written by hrmg train, baselines or compare", err))
	}
	m := &savedModel{Path: path, Kind: f.Kind, Meta: f.Metadata}
	switch f.Kind {
	case modelfile.KindHRM:
		if m.hrm, err = model.Decode(f); err != nil {
			return nil, dataError(fmt.Errorf("%s: %w", path, err))
		}
	case modelfile.KindForest, modelfile.KindGBM:
		if m.tree, err = baselines.Load(f); err != nil {
			return nil, dataError(fmt.Errorf("%s: %w", path, err))
		}
	case modelfile.KindCheckpoint:
		return nil, usageError(fmt.Errorf("%s is a training checkpoint, not a model: continue it with hrmg train --resume", path))
	default:
		return nil, dataError(fmt.Errorf("%s contains a model of unknown kind %q; use the hrmg release that wrote it", path, f.Kind))
	}
	if len(f.Preprocessor) == 0 {
		return nil, dataError(fmt.Errorf("%s: %w: no preprocessing stored", path, modelfile.ErrCorrupt))
	}
	m.Prep = new(data.Preprocessor)
	if err := json.Unmarshal(f.Preprocessor, m.Prep); err != nil {
		return nil, dataError(fmt.Errorf("%s: preprocessing: %w", path, err))
	}
	if want := len(m.Prep.Features()); want != m.features() {
		return nil, dataError(fmt.Errorf("%s: %w: the preprocessing gives %d features, the model takes %d", path, modelfile.ErrCorrupt, want, m.features()))
	}
	return m, nil
}

// features returns the number of model inputs.
func (m *savedModel) features() int {
	if m.hrm != nil {
		return len(m.hrm.Features())
	}
	return m.tree.Features()
}

// predict returns predictions for the rows of f in target units, and for
// an HRM the ponder steps of each row (nil for trees).
func (m *savedModel) predict(ctx context.Context, f *data.Frame) (pred, steps []float64, err error) {
	if f.X.Rows == 0 {
		return nil, nil, errors.New("predict: no rows")
	}
	if m.hrm != nil {
		return predictHRM(ctx, m.hrm, m.Prep, f)
	}
	pred = make([]float64, f.X.Rows)
	baselines.PredictParallel(m.tree, f.X, pred, 0)
	for i, z := range pred {
		pred[i] = m.Prep.TargetFromModel(z)
	}
	return pred, nil, nil
}
