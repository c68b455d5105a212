package modelfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func sampleFile(t *testing.T) *File {
	t.Helper()
	payload, err := EncodeTensors([]Tensor{
		{Name: "hrm/L/gru/Wz", Shape: []int{2, 3}, F32: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "head/b", Shape: []int{1}, F64: []float64{-0.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &File{
		Kind:         KindHRM,
		Config:       json.RawMessage(`{"hidden":128}`),
		Preprocessor: json.RawMessage(`{"features":["a"]}`),
		Metadata:     Metadata{Seed: 7, Metrics: map[string]float64{"valid_rmse": 0.5}},
		Payload:      payload,
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.hrmg")
	want := sampleFile(t)
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != want.Kind {
		t.Errorf("kind = %q, want %q", got.Kind, want.Kind)
	}
	if string(got.Config) != string(want.Config) {
		t.Errorf("config = %s, want %s", got.Config, want.Config)
	}
	if string(got.Preprocessor) != string(want.Preprocessor) {
		t.Errorf("preprocessor = %s, want %s", got.Preprocessor, want.Preprocessor)
	}
	if !reflect.DeepEqual(got.Metadata, want.Metadata) {
		t.Errorf("metadata = %+v, want %+v", got.Metadata, want.Metadata)
	}
	tensors, err := DecodeTensors(got.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(tensors) != 2 || tensors[0].Name != "hrm/L/gru/Wz" || tensors[1].F64[0] != -0.5 {
		t.Errorf("tensors = %+v", tensors)
	}
	if !reflect.DeepEqual(tensors[0].Shape, []int{2, 3}) {
		t.Errorf("shape = %v, want [2 3]", tensors[0].Shape)
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Encode(&a, sampleFile(t)); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&b, sampleFile(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two encodings of the same file differ")
	}
}

func TestReadRejectsDamagedFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sampleFile(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()

	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff
	newer := bytes.Clone(good)
	newer[8] = FormatVersion + 1

	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotModel},
		{"csv", []byte("lon,lat,target\n1,2,3\n"), ErrNotModel},
		{"magic only", []byte(magic), ErrCorrupt},
		{"truncated by one byte", good[:len(good)-1], ErrCorrupt},
		{"truncated to half", good[:len(good)/2], ErrCorrupt},
		{"flipped byte", flipped, ErrCorrupt},
		{"newer version", newer, ErrVersion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("m.hrmg", c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestEncodeTensorsRejectsNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := EncodeTensors([]Tensor{{Name: "w", Shape: []int{2}, F32: []float32{1, float32(v)}}})
		if !errors.Is(err, ErrNonFinite) {
			t.Errorf("float32 %v: error = %v, want ErrNonFinite", v, err)
		}
		_, err = EncodeTensors([]Tensor{{Name: "w", Shape: []int{1}, F64: []float64{v}}})
		if !errors.Is(err, ErrNonFinite) {
			t.Errorf("float64 %v: error = %v, want ErrNonFinite", v, err)
		}
	}
}

func TestEncodeTensorsRejectsShapeMismatch(t *testing.T) {
	_, err := EncodeTensors([]Tensor{{Name: "w", Shape: []int{2, 2}, F32: []float32{1, 2, 3}}})
	if err == nil {
		t.Fatal("3 values for shape [2 2] were accepted")
	}
}

func TestWriteKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.hrmg")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, &File{}); err == nil {
		t.Fatal("a file with no kind was written")
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old" {
		t.Errorf("old file changed to %q", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory has %d entries, want only the old file", len(entries))
	}
}

func TestWriteFileAtomicLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.hrmg")
	if err := WriteFileAtomic(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "m.hrmg" {
		t.Errorf("directory entries = %v, want only m.hrmg", entries)
	}
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := Encode(&buf, &File{Kind: KindGBM, Payload: []byte{1, 2, 3}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode("fuzz", data)
		if err == nil {
			_, _ = DecodeTensors(file.Payload)
		}
	})
}
