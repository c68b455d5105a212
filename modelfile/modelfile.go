// Package modelfile reads and writes hrmg's versioned model files.
//
// Every model hrmg saves, the HRM and the tree baselines alike, uses one
// container, so that eval and predict can open any of them:
//
//	offset  size  content
//	0       8     magic "HRMGMODL"
//	8       4     format version, uint32 little-endian
//	12      4     header length H, uint32 little-endian
//	16      H     header, JSON (kind, config, preprocessor, metadata)
//	16+H    8     payload length P, uint64 little-endian
//	24+H    P     payload, kind-specific bytes (weights, trees)
//	24+H+P  32    SHA-256 of every byte before it
//
// The checksum makes a truncated or altered file fail to load with a clear
// error instead of yielding a half-read model. Files are written to a
// temporary file in the target directory and renamed into place, so a crash
// or a failed write never leaves a partial file under the final name.
package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FormatVersion is the container version this build writes and reads.
const FormatVersion = 1

const magic = "HRMGMODL"

// maxHeaderLen bounds the JSON header, so a damaged length field cannot make
// Read allocate gigabytes.
const maxHeaderLen = 64 << 20

// Kind names the model family stored in a file.
type Kind string

// The model kinds hrmg writes.
const (
	KindHRM    Kind = "hrm"
	KindForest Kind = "random-forest"
	KindGBM    Kind = "gradient-boosting"
	// KindCheckpoint is a training checkpoint: weights plus optimizer
	// state. It is not a model that eval or predict accept.
	KindCheckpoint Kind = "checkpoint"
)

// Sentinel errors wrapped by Read. Test for them with errors.Is.
var (
	ErrNotModel = errors.New("not an hrmg model file")
	ErrVersion  = errors.New("unsupported model file version")
	ErrCorrupt  = errors.New("model file is truncated or corrupt")
)

// Metadata describes how a model was made.
type Metadata struct {
	// Seed is the random seed the model was trained with.
	Seed uint64 `json:"seed"`
	// DataFingerprint identifies the parsed training rows, so that two runs
	// on the same table (even with other line endings) can be matched.
	DataFingerprint string `json:"data_fingerprint,omitempty"`
	// Metrics holds evaluation results by name, such as "valid_rmse".
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Version is the hrmg version that wrote the file.
	Version string `json:"hrmg_version,omitempty"`
}

// File is the decoded content of a model file.
type File struct {
	Kind Kind
	// Config is the model's own configuration, as its package marshals it.
	Config json.RawMessage
	// Preprocessor is the fitted data preprocessing, as the data package
	// marshals it.
	Preprocessor json.RawMessage
	Metadata     Metadata
	// Payload holds the kind-specific binary content.
	Payload []byte
}

type header struct {
	Kind         Kind            `json:"kind"`
	Config       json.RawMessage `json:"config,omitempty"`
	Preprocessor json.RawMessage `json:"preprocessor,omitempty"`
	Metadata     Metadata        `json:"metadata"`
}

// Encode writes f in the container format to w.
func Encode(w io.Writer, f *File) error {
	if f.Kind == "" {
		return errors.New("modelfile: encode: empty model kind")
	}
	head, err := json.Marshal(header{f.Kind, f.Config, f.Preprocessor, f.Metadata})
	if err != nil {
		return fmt.Errorf("modelfile: encode header: %w", err)
	}
	if len(head) > maxHeaderLen {
		return fmt.Errorf("modelfile: header is %d bytes, more than the limit of %d", len(head), maxHeaderLen)
	}

	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	var buf bytes.Buffer
	buf.WriteString(magic)
	_ = binary.Write(&buf, binary.LittleEndian, uint32(FormatVersion))
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(head)))
	buf.Write(head)
	_ = binary.Write(&buf, binary.LittleEndian, uint64(len(f.Payload)))
	if _, err := out.Write(buf.Bytes()); err != nil {
		return err
	}
	if _, err := out.Write(f.Payload); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// Decode reads a container from data. The name is used in error messages.
func Decode(name string, data []byte) (*File, error) {
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("%s: %w (it does not start with %q)", name, ErrNotModel, magic)
	}
	const fixed = len(magic) + 4 + 4
	if len(data) < fixed {
		return nil, fmt.Errorf("%s: %w: %d bytes, shorter than the file header", name, ErrCorrupt, len(data))
	}
	version := binary.LittleEndian.Uint32(data[8:12])
	if version != FormatVersion {
		return nil, fmt.Errorf("%s: %w %d: this hrmg reads version %d; use the hrmg release that wrote it, or retrain", name, ErrVersion, version, FormatVersion)
	}
	headLen := int(binary.LittleEndian.Uint32(data[12:16]))
	if headLen > maxHeaderLen || len(data) < fixed+headLen+8+sha256.Size {
		return nil, fmt.Errorf("%s: %w: %d bytes, too short for its %d-byte header", name, ErrCorrupt, len(data), headLen)
	}
	payloadAt := fixed + headLen + 8
	payloadLen := binary.LittleEndian.Uint64(data[fixed+headLen : payloadAt])
	if payloadLen != uint64(len(data)-payloadAt-sha256.Size) {
		return nil, fmt.Errorf("%s: %w: payload should be %d bytes, the file has %d", name, ErrCorrupt, payloadLen, len(data)-payloadAt-sha256.Size)
	}
	body := data[:len(data)-sha256.Size]
	want := data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], want) {
		return nil, fmt.Errorf("%s: %w: checksum mismatch", name, ErrCorrupt)
	}

	var h header
	if err := json.Unmarshal(data[fixed:fixed+headLen], &h); err != nil {
		return nil, fmt.Errorf("%s: %w: header: %w", name, ErrCorrupt, err)
	}
	if h.Kind == "" {
		return nil, fmt.Errorf("%s: %w: header names no model kind", name, ErrCorrupt)
	}
	return &File{
		Kind:         h.Kind,
		Config:       h.Config,
		Preprocessor: h.Preprocessor,
		Metadata:     h.Metadata,
		Payload:      data[payloadAt : len(data)-sha256.Size],
	}, nil
}

// Read loads and verifies the model file at path.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	return Decode(path, data)
}

// Write saves f to path atomically: it writes a temporary file in the same
// directory, syncs it and renames it over path. On any error the temporary
// file is removed and an existing file at path is left untouched.
func Write(path string, f *File) error {
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes(), 0o644)
}

// WriteFileAtomic writes data to path through a temporary file and a rename,
// so that readers see either the old content or the new, never a mix.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}

	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Any failure below removes the temporary file, so none is left.
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}

	// Sync the directory so the rename itself survives a crash. Some file
	// systems do not support it, and the data is already safe, so a failure
	// here is not reported.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
