package train

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
)

// checkpointHeader is the JSON part of a checkpoint file.
type checkpointHeader struct {
	Train       Config       `json:"train"`
	Model       model.Config `json:"model"`
	Features    []string     `json:"features"`
	Fingerprint string       `json:"fingerprint"`
	State       state        `json:"state"`
	AdamStep    int          `json:"adam_step"`
	HasEMA      bool         `json:"has_ema"`
	HasBest     bool         `json:"has_best"`
}

// Tensor name prefixes in a checkpoint's payload.
const (
	prefixWeights = "weights/"
	prefixAdamM   = "adam/m/"
	prefixAdamV   = "adam/v/"
	prefixEMA     = "ema/"
	prefixBest    = "best/"
)

// save writes the checkpoint atomically to path.
func (t *trainer) save(path string) error {
	m := t.in.Model
	st := &t.state
	head := checkpointHeader{
		Train:       t.cfg,
		Model:       m.Config(),
		Features:    m.Features(),
		Fingerprint: t.in.Fingerprint,
		State:       *st,
		AdamStep:    st.Opt.Step,
		HasEMA:      st.EMA.Shadow != nil,
		HasBest:     st.Best != nil,
	}
	head.State.Best = nil
	config, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}

	var tensors []modelfile.Tensor
	add := func(prefix string, values [][]float32) {
		for i, p := range m.Params() {
			tensors = append(tensors, modelfile.Tensor{
				Name:  prefix + p.Name,
				Shape: p.Value.Shape().Clone(),
				F32:   values[i],
			})
		}
	}
	add(prefixWeights, t.params)
	if st.Opt.M != nil {
		add(prefixAdamM, st.Opt.M)
		add(prefixAdamV, st.Opt.V)
	}
	if head.HasEMA {
		add(prefixEMA, st.EMA.Shadow)
	}
	if head.HasBest {
		add(prefixBest, st.Best)
	}
	payload, err := modelfile.EncodeTensors(tensors)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return modelfile.Write(path, &modelfile.File{
		Kind:    modelfile.KindCheckpoint,
		Config:  config,
		Payload: payload,
	})
}

// restore loads the checkpoint at path into the trainer and its model. The
// checkpoint must come from the same model config, features, training
// config and data.
func (t *trainer) restore(path string) error {
	f, err := modelfile.Read(path)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if f.Kind != modelfile.KindCheckpoint {
		return fmt.Errorf("resume: %s contains a %s model, not a training checkpoint", path, f.Kind)
	}
	var head checkpointHeader
	if err := json.Unmarshal(f.Config, &head); err != nil {
		return fmt.Errorf("resume: %s: %w: %w", path, modelfile.ErrCorrupt, err)
	}
	m := t.in.Model
	switch {
	case head.Model != m.Config():
		return fmt.Errorf("resume: %s was written with other model settings (%s); use the same flags as the interrupted run", path, differentFields(head.Model, m.Config()))
	case !reflect.DeepEqual(head.Features, m.Features()):
		return fmt.Errorf("resume: %s was trained on other features; use the same data and column flags", path)
	case head.Train != t.cfg:
		return fmt.Errorf("resume: %s was written with other training settings (%s); use the same flags as the interrupted run", path, differentFields(head.Train, t.cfg))
	case head.Fingerprint != t.in.Fingerprint:
		return fmt.Errorf("resume: %s was trained on other data (fingerprint %.12s, this data %.12s)", path, head.Fingerprint, t.in.Fingerprint)
	}

	tensors, err := modelfile.DecodeTensors(f.Payload)
	if err != nil {
		return fmt.Errorf("resume: %s: %w", path, err)
	}
	byName := make(map[string][]float32, len(tensors))
	for _, tn := range tensors {
		byName[tn.Name] = tn.F32
	}
	load := func(prefix string) ([][]float32, error) {
		out := make([][]float32, len(m.Params()))
		for i, p := range m.Params() {
			v, ok := byName[prefix+p.Name]
			if !ok || len(v) != p.Size() {
				return nil, fmt.Errorf("resume: %s: %w: tensor %s%s is missing or has the wrong size", path, modelfile.ErrCorrupt, prefix, p.Name)
			}
			out[i] = v
		}
		return out, nil
	}

	weights, err := load(prefixWeights)
	if err != nil {
		return err
	}
	st := newState(t.cfg)
	if head.AdamStep > 0 {
		if st.Opt.M, err = load(prefixAdamM); err != nil {
			return err
		}
		if st.Opt.V, err = load(prefixAdamV); err != nil {
			return err
		}
	}
	st.Opt.Step = head.AdamStep
	if head.HasEMA {
		if st.EMA.Shadow, err = load(prefixEMA); err != nil {
			return err
		}
	}
	if head.HasBest {
		if st.Best, err = load(prefixBest); err != nil {
			return err
		}
	}
	copyWeights(t.params, weights)
	opt, ema, best := st.Opt, st.EMA, st.Best
	t.state = head.State
	t.state.Opt, t.state.EMA, t.state.Best = opt, ema, best
	return nil
}

// differentFields lists the JSON fields whose values differ between two
// configs, as "name: checkpoint value, now value".
func differentFields(saved, now any) string {
	var a, b map[string]any
	sj, _ := json.Marshal(saved)
	nj, _ := json.Marshal(now)
	_ = json.Unmarshal(sj, &a)
	_ = json.Unmarshal(nj, &b)
	var diffs []string
	for k, v := range a {
		if !reflect.DeepEqual(v, b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: checkpoint %v, now %v", k, v, b[k]))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}
