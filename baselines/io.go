package baselines

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/hrmg/hrmg/modelfile"
)

// payloadVersion is the layout version of the tree payload. The payload is
// little-endian:
//
//	uint32 payloadVersion
//	uint32 number of trees
//	per tree:
//	  uint32 internal nodes N, uint32 leaves L (always N+1)
//	  N × {int32 feature, float32 threshold, int32 left, int32 right, uint8 flags}
//	  L × float64 leaf value
//
// Bit 0 of flags is Node.MissingLeft.
const payloadVersion = 1

const nodeBytes = 4 + 4 + 4 + 4 + 1

// ErrNotBaseline is wrapped by Load for a model file of another kind.
var ErrNotBaseline = errors.New("not a tree baseline model")

// forestHeader is the JSON config of a saved forest.
type forestHeader struct {
	Config      ForestConfig `json:"config"`
	NumFeatures int          `json:"features"`
	Importance  []float64    `json:"importance"`
}

// gbmHeader is the JSON config of a saved gradient-boosting model.
type gbmHeader struct {
	Config      GBMConfig `json:"config"`
	NumFeatures int       `json:"features"`
	Base        float64   `json:"base"`
	Rounds      int       `json:"rounds"`
	Importance  []float64 `json:"importance"`
}

// Encode packs a fitted model into a model file. preprocessor is the
// caller's fitted preprocessing as JSON, stored as it is; meta.Seed is set
// to the model's seed.
func Encode(m Regressor, preprocessor json.RawMessage, meta modelfile.Metadata) (*modelfile.File, error) {
	var head any
	var trees []Tree
	switch m := m.(type) {
	case *Forest:
		head = forestHeader{Config: m.Config, NumFeatures: m.NumFeatures, Importance: m.Importance}
		trees = m.Trees
		meta.Seed = m.Config.Seed
	case *GBM:
		if math.IsNaN(m.Base) || math.IsInf(m.Base, 0) {
			return nil, fmt.Errorf("encode gradient boosting: base prediction is %v", m.Base)
		}
		head = gbmHeader{Config: m.Config, NumFeatures: m.NumFeatures, Base: m.Base, Rounds: m.Rounds, Importance: m.Importance}
		trees = m.Trees
		meta.Seed = m.Config.Seed
	default:
		return nil, fmt.Errorf("encode: %T is not a baselines model", m)
	}
	config, err := json.Marshal(head)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Kind(), err)
	}
	payload, err := encodeTrees(trees)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Kind(), err)
	}
	return &modelfile.File{
		Kind:         m.Kind(),
		Config:       config,
		Preprocessor: preprocessor,
		Metadata:     meta,
		Payload:      payload,
	}, nil
}

// Save writes a fitted model to path atomically; see Encode.
func Save(path string, m Regressor, preprocessor json.RawMessage, meta modelfile.Metadata) error {
	f, err := Encode(m, preprocessor, meta)
	if err != nil {
		return err
	}
	return modelfile.Write(path, f)
}

// Load decodes a model file of kind modelfile.KindForest or
// modelfile.KindGBM. It wraps modelfile.ErrCorrupt when the content is
// inconsistent and ErrNotBaseline for other kinds.
func Load(f *modelfile.File) (Regressor, error) {
	switch f.Kind {
	case modelfile.KindForest:
		var h forestHeader
		if err := decodeHeader(f, &h); err != nil {
			return nil, err
		}
		if err := h.Config.Validate(); err != nil {
			return nil, fmt.Errorf("load %s: %w: %w", f.Kind, modelfile.ErrCorrupt, err)
		}
		trees, err := decodeTrees(f, h.NumFeatures, h.Importance)
		if err != nil {
			return nil, err
		}
		if len(trees) != h.Config.Trees {
			return nil, fmt.Errorf("load %s: %w: %d trees, but the config has %d", f.Kind, modelfile.ErrCorrupt, len(trees), h.Config.Trees)
		}
		return &Forest{Config: h.Config, NumFeatures: h.NumFeatures, Trees: trees, Importance: h.Importance}, nil

	case modelfile.KindGBM:
		var h gbmHeader
		if err := decodeHeader(f, &h); err != nil {
			return nil, err
		}
		if err := h.Config.Validate(); err != nil {
			return nil, fmt.Errorf("load %s: %w: %w", f.Kind, modelfile.ErrCorrupt, err)
		}
		if math.IsNaN(h.Base) || math.IsInf(h.Base, 0) {
			return nil, fmt.Errorf("load %s: %w: base prediction is %v", f.Kind, modelfile.ErrCorrupt, h.Base)
		}
		trees, err := decodeTrees(f, h.NumFeatures, h.Importance)
		if err != nil {
			return nil, err
		}
		if len(trees) > h.Config.Trees {
			return nil, fmt.Errorf("load %s: %w: %d trees, more than the config's %d", f.Kind, modelfile.ErrCorrupt, len(trees), h.Config.Trees)
		}
		return &GBM{Config: h.Config, NumFeatures: h.NumFeatures, Base: h.Base, Trees: trees, Rounds: h.Rounds, Importance: h.Importance}, nil
	}
	return nil, fmt.Errorf("load: %w: the file contains a %q model", ErrNotBaseline, f.Kind)
}

func decodeHeader(f *modelfile.File, h any) error {
	if err := json.Unmarshal(f.Config, h); err != nil {
		return fmt.Errorf("load %s: %w: config: %w", f.Kind, modelfile.ErrCorrupt, err)
	}
	return nil
}

// decodeTrees parses and validates the payload of f for a model of
// numFeatures features.
func decodeTrees(f *modelfile.File, numFeatures int, importance []float64) ([]Tree, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("load %s: %w: %s", f.Kind, modelfile.ErrCorrupt, fmt.Sprintf(format, args...))
	}
	if numFeatures < 1 {
		return nil, corrupt("%d features", numFeatures)
	}
	if len(importance) != numFeatures {
		return nil, corrupt("%d importances for %d features", len(importance), numFeatures)
	}
	trees, err := decodeTreePayload(f.Payload)
	if err != nil {
		return nil, corrupt("%v", err)
	}
	for i := range trees {
		if err := trees[i].validate(numFeatures); err != nil {
			return nil, corrupt("tree %d: %v", i, err)
		}
	}
	return trees, nil
}

// encodeTrees lays trees out as the payload described at payloadVersion.
func encodeTrees(trees []Tree) ([]byte, error) {
	size := 8
	for _, t := range trees {
		size += 8 + nodeBytes*len(t.Nodes) + 8*len(t.Leaves)
	}
	le := binary.LittleEndian
	buf := make([]byte, 0, size)
	buf = le.AppendUint32(buf, payloadVersion)
	buf = le.AppendUint32(buf, uint32(len(trees)))
	for i, t := range trees {
		buf = le.AppendUint32(buf, uint32(len(t.Nodes)))
		buf = le.AppendUint32(buf, uint32(len(t.Leaves)))
		for _, n := range t.Nodes {
			buf = le.AppendUint32(buf, uint32(n.Feature))
			buf = le.AppendUint32(buf, math.Float32bits(n.Threshold))
			buf = le.AppendUint32(buf, uint32(n.Left))
			buf = le.AppendUint32(buf, uint32(n.Right))
			var flags byte
			if n.MissingLeft {
				flags |= 1
			}
			buf = append(buf, flags)
		}
		for j, v := range t.Leaves {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("tree %d leaf %d is %v: %w", i, j, v, modelfile.ErrNonFinite)
			}
			buf = le.AppendUint64(buf, math.Float64bits(v))
		}
	}
	return buf, nil
}

// decodeTreePayload parses the payload written by encodeTrees. It checks
// lengths before allocating, so a damaged count cannot exhaust memory.
func decodeTreePayload(p []byte) ([]Tree, error) {
	le := binary.LittleEndian
	if len(p) < 8 {
		return nil, fmt.Errorf("payload of %d bytes is shorter than its header", len(p))
	}
	if v := le.Uint32(p); v != payloadVersion {
		return nil, fmt.Errorf("tree payload version %d, this hrmg reads %d", v, payloadVersion)
	}
	count := int(le.Uint32(p[4:]))
	p = p[8:]
	if count > len(p)/(8+8) {
		return nil, fmt.Errorf("%d trees cannot fit in %d bytes", count, len(p))
	}
	trees := make([]Tree, count)
	for i := range trees {
		if len(p) < 8 {
			return nil, fmt.Errorf("tree %d: payload ends early", i)
		}
		nodes, leaves := int(le.Uint32(p)), int(le.Uint32(p[4:]))
		p = p[8:]
		if leaves != nodes+1 {
			return nil, fmt.Errorf("tree %d: %d leaves for %d internal nodes", i, leaves, nodes)
		}
		if need := nodeBytes*nodes + 8*leaves; nodes > len(p) || need > len(p) {
			return nil, fmt.Errorf("tree %d: needs %d bytes, %d remain", i, nodeBytes*nodes+8*leaves, len(p))
		}
		t := Tree{Nodes: make([]Node, nodes), Leaves: make([]float64, leaves)}
		for j := range t.Nodes {
			if p[16]&^1 != 0 {
				return nil, fmt.Errorf("tree %d node %d: unknown flags %#x", i, j, p[16])
			}
			t.Nodes[j] = Node{
				Feature:     int32(le.Uint32(p)),
				Threshold:   math.Float32frombits(le.Uint32(p[4:])),
				Left:        int32(le.Uint32(p[8:])),
				Right:       int32(le.Uint32(p[12:])),
				MissingLeft: p[16]&1 != 0,
			}
			p = p[nodeBytes:]
		}
		for j := range t.Leaves {
			t.Leaves[j] = math.Float64frombits(le.Uint64(p))
			p = p[8:]
		}
		trees[i] = t
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d bytes after the last tree", len(p))
	}
	return trees, nil
}
