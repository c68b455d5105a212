package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Tensor is a named dense array of weights. Exactly one of F32 and F64 is
// set, and its length is the product of Shape.
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
}

// ErrNonFinite is wrapped by EncodeTensors when a weight is NaN or infinite.
var ErrNonFinite = errors.New("non-finite weight")

const (
	dtypeF32 = 1
	dtypeF64 = 2
)

// EncodeTensors serialises tensors in order: a count, then for each tensor
// its name, dtype, shape and little-endian values. It rejects any NaN or
// infinite value, so a model that diverged is never written.
func EncodeTensors(tensors []Tensor) ([]byte, error) {
	var buf bytes.Buffer
	put := func(v any) { _ = binary.Write(&buf, binary.LittleEndian, v) }
	put(uint32(len(tensors)))
	for _, t := range tensors {
		size := 1
		for _, d := range t.Shape {
			size *= d
		}
		var dtype uint8
		switch {
		case t.F32 != nil && t.F64 == nil:
			dtype = dtypeF32
			if len(t.F32) != size {
				return nil, fmt.Errorf("modelfile: tensor %s: %d values for shape %v", t.Name, len(t.F32), t.Shape)
			}
			for i, v := range t.F32 {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("modelfile: tensor %s[%d] = %v: %w", t.Name, i, v, ErrNonFinite)
				}
			}
		case t.F64 != nil && t.F32 == nil:
			dtype = dtypeF64
			if len(t.F64) != size {
				return nil, fmt.Errorf("modelfile: tensor %s: %d values for shape %v", t.Name, len(t.F64), t.Shape)
			}
			for i, v := range t.F64 {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("modelfile: tensor %s[%d] = %v: %w", t.Name, i, v, ErrNonFinite)
				}
			}
		default:
			return nil, fmt.Errorf("modelfile: tensor %s: set exactly one of F32 and F64", t.Name)
		}
		put(uint16(len(t.Name)))
		buf.WriteString(t.Name)
		put(dtype)
		put(uint8(len(t.Shape)))
		for _, d := range t.Shape {
			put(uint32(d))
		}
		if dtype == dtypeF32 {
			put(t.F32)
		} else {
			put(t.F64)
		}
	}
	return buf.Bytes(), nil
}

// DecodeTensors parses the output of EncodeTensors.
func DecodeTensors(payload []byte) ([]Tensor, error) {
	r := bytes.NewReader(payload)
	get := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	var count uint32
	if err := get(&count); err != nil {
		return nil, fmt.Errorf("%w: tensor count: %w", ErrCorrupt, err)
	}
	if int64(count) > int64(len(payload)) {
		return nil, fmt.Errorf("%w: %d tensors in a %d-byte payload", ErrCorrupt, count, len(payload))
	}
	tensors := make([]Tensor, 0, count)
	for i := 0; i < int(count); i++ {
		var nameLen uint16
		if err := get(&nameLen); err != nil {
			return nil, fmt.Errorf("%w: tensor %d: %w", ErrCorrupt, i, err)
		}
		name := make([]byte, nameLen)
		if _, err := r.Read(name); err != nil && nameLen > 0 {
			return nil, fmt.Errorf("%w: tensor %d name: %w", ErrCorrupt, i, err)
		}
		var dtype, rank uint8
		if err := get(&dtype); err != nil {
			return nil, fmt.Errorf("%w: tensor %s: %w", ErrCorrupt, name, err)
		}
		if err := get(&rank); err != nil {
			return nil, fmt.Errorf("%w: tensor %s: %w", ErrCorrupt, name, err)
		}
		t := Tensor{Name: string(name), Shape: make([]int, rank)}
		size := 1
		for d := range t.Shape {
			var dim uint32
			if err := get(&dim); err != nil {
				return nil, fmt.Errorf("%w: tensor %s shape: %w", ErrCorrupt, name, err)
			}
			t.Shape[d] = int(dim)
			size *= int(dim)
		}
		width := 4
		if dtype == dtypeF64 {
			width = 8
		}
		if size < 0 || size*width > r.Len() {
			return nil, fmt.Errorf("%w: tensor %s: shape %v needs more bytes than remain", ErrCorrupt, name, t.Shape)
		}
		switch dtype {
		case dtypeF32:
			t.F32 = make([]float32, size)
			if err := get(t.F32); err != nil {
				return nil, fmt.Errorf("%w: tensor %s: %w", ErrCorrupt, name, err)
			}
		case dtypeF64:
			t.F64 = make([]float64, size)
			if err := get(t.F64); err != nil {
				return nil, fmt.Errorf("%w: tensor %s: %w", ErrCorrupt, name, err)
			}
		default:
			return nil, fmt.Errorf("%w: tensor %s: unknown dtype %d", ErrCorrupt, name, dtype)
		}
		tensors = append(tensors, t)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last tensor", ErrCorrupt, r.Len())
	}
	return tensors, nil
}
