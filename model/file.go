package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"

	"github.com/hrmg/hrmg/modelfile"
)

// FileFormat is the version of the HRM's layout inside a model file: the
// config JSON and the weight tensors. It changes when a parameter is
// renamed or reshaped, so that an old hrmg reading a new file, or the
// reverse, fails with a clear error instead of loading wrong weights.
const FileFormat = 1

// Errors wrapped by Load, besides modelfile's ErrNotModel, ErrVersion and
// ErrCorrupt. Test for them with errors.Is.
var (
	// ErrNotHRM is a valid model file that holds another kind of model.
	ErrNotHRM = errors.New("model file does not hold an HRM")
	// ErrMismatch is a file whose weights do not fit its config.
	ErrMismatch = errors.New("model file weights do not match its config")
)

// fileConfig is the JSON stored as the file's config.
type fileConfig struct {
	Format   int      `json:"format"`
	Config   Config   `json:"config"`
	Features []string `json:"features"`
}

// Save writes m to path as a modelfile of kind modelfile.KindHRM, with its
// config and feature names, the metadata and the weights. prep is the
// fitted preprocessing as the data package marshals it; Save stores it as
// given, and it may be nil. The write is atomic, so on error the file at
// path, if any, is unchanged.
func Save(path string, m *HRM, prep json.RawMessage, meta modelfile.Metadata) error {
	f, err := m.toFile(prep, meta)
	if err != nil {
		return fmt.Errorf("save model %s: %w", path, err)
	}
	if err := modelfile.Write(path, f); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

// toFile returns m as a modelfile.File.
func (m *HRM) toFile(prep json.RawMessage, meta modelfile.Metadata) (*modelfile.File, error) {
	cfg, err := json.Marshal(fileConfig{Format: FileFormat, Config: m.cfg, Features: m.features})
	if err != nil {
		return nil, err
	}
	params := m.Params()
	tensors := make([]modelfile.Tensor, len(params))
	for i, p := range params {
		t := modelfile.Tensor{Name: p.Name, Shape: []int(p.Value.Shape().Clone())}
		switch d := p.Value.Data().(type) {
		case []float32:
			t.F32 = d
		case []float64:
			t.F64 = d
		default:
			return nil, fmt.Errorf("parameter %s has unsupported dtype %v", p.Name, p.Value.Dtype())
		}
		tensors[i] = t
	}
	payload, err := modelfile.EncodeTensors(tensors)
	if err != nil {
		return nil, err
	}
	return &modelfile.File{Kind: modelfile.KindHRM, Config: cfg, Preprocessor: prep, Metadata: meta, Payload: payload}, nil
}

// Load reads an HRM saved by Save and returns it with the stored
// preprocessing JSON and metadata.
func Load(path string) (*HRM, json.RawMessage, modelfile.Metadata, error) {
	f, err := modelfile.Read(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, nil, modelfile.Metadata{}, err // the message already starts "read model: open …"
		}
		return nil, nil, modelfile.Metadata{}, fmt.Errorf("load model: %w", err)
	}
	m, err := Decode(f)
	if err != nil {
		return nil, nil, modelfile.Metadata{}, fmt.Errorf("load model: %s: %w", path, err)
	}
	return m, f.Preprocessor, f.Metadata, nil
}

// Decode rebuilds an HRM from a decoded model file.
func Decode(f *modelfile.File) (*HRM, error) {
	if f.Kind != modelfile.KindHRM {
		return nil, fmt.Errorf("%w: it contains a %s model", ErrNotHRM, f.Kind)
	}
	var fc fileConfig
	dec := json.NewDecoder(bytes.NewReader(f.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("%w: config: %w", modelfile.ErrCorrupt, err)
	}
	if fc.Format != FileFormat {
		return nil, fmt.Errorf("%w: HRM layout %d, this hrmg reads layout %d: use the hrmg release that wrote it, or retrain", modelfile.ErrVersion, fc.Format, FileFormat)
	}
	m, err := New(fc.Config, fc.Features, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid config: %w", modelfile.ErrCorrupt, err)
	}
	tensors, err := modelfile.DecodeTensors(f.Payload)
	if err != nil {
		if errors.Is(err, modelfile.ErrCorrupt) {
			return nil, fmt.Errorf("weights: %w", err)
		}
		return nil, fmt.Errorf("%w: weights: %w", modelfile.ErrCorrupt, err)
	}
	if err := m.setWeights(tensors); err != nil {
		return nil, err
	}
	return m, nil
}

// setWeights copies tensors into m's parameters, which they must match one
// for one by name, shape and dtype.
func (m *HRM) setWeights(tensors []modelfile.Tensor) error {
	byName := make(map[string]modelfile.Tensor, len(tensors))
	for _, t := range tensors {
		if _, dup := byName[t.Name]; dup {
			return fmt.Errorf("%w: tensor %s appears twice", ErrMismatch, t.Name)
		}
		byName[t.Name] = t
	}
	for _, p := range m.Params() {
		t, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("%w: the config needs tensor %s, which the file lacks", ErrMismatch, p.Name)
		}
		delete(byName, p.Name)
		if want := []int(p.Value.Shape()); !slices.Equal(t.Shape, want) {
			return fmt.Errorf("%w: tensor %s has shape %v, the config needs %v", ErrMismatch, p.Name, t.Shape, want)
		}
		switch d := p.Value.Data().(type) {
		case []float32:
			if t.F32 == nil {
				return fmt.Errorf("%w: tensor %s is float64, the config sets dtype %s", ErrMismatch, p.Name, m.cfg.DType)
			}
			copy(d, t.F32)
		case []float64:
			if t.F64 == nil {
				return fmt.Errorf("%w: tensor %s is float32, the config sets dtype %s", ErrMismatch, p.Name, m.cfg.DType)
			}
			copy(d, t.F64)
		}
	}
	if len(byName) > 0 {
		extra := slices.Sorted(maps.Keys(byName))
		return fmt.Errorf("%w: the file has tensor %s, which the config does not use", ErrMismatch, extra[0])
	}
	return nil
}
