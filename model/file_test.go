package model

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/hrmg/hrmg/modelfile"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, dtype := range []string{DTypeFloat32, DTypeFloat64} {
		t.Run(dtype, func(t *testing.T) {
			cfg := smallConfig(InputPLR, HaltingACT)
			cfg.DType = dtype
			features := []string{`soil "class"`, `aspect\`, "température"}
			m, err := New(cfg, features, 77)
			if err != nil {
				t.Fatal(err)
			}
			prep := json.RawMessage(`{"features":["a","b","c"]}`)
			meta := modelfile.Metadata{Seed: 77, DataFingerprint: "abc", Metrics: map[string]float64{"valid_rmse": 0.5}}
			path := filepath.Join(t.TempDir(), "m.hrmg")
			if err := Save(path, m, prep, meta); err != nil {
				t.Fatal(err)
			}
			back, gotPrep, gotMeta, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if back.Config() != cfg {
				t.Errorf("config %+v, want %+v", back.Config(), cfg)
			}
			if !slices.Equal(back.Features(), features) {
				t.Errorf("features %q, want %q", back.Features(), features)
			}
			if string(gotPrep) != string(prep) {
				t.Errorf("preprocessor %s, want %s", gotPrep, prep)
			}
			if !reflect.DeepEqual(gotMeta, meta) {
				t.Errorf("metadata %+v, want %+v", gotMeta, meta)
			}
			if !slices.EqualFunc(weights(back), weights(m), slices.Equal) {
				t.Error("weights changed in the round trip")
			}
			x := randomRows(rand.New(rand.NewPCG(1, 2)), 4, 3)
			want, _, err := m.Predict(context.Background(), x, 4)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := back.Predict(context.Background(), x, 4)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("loaded model predicts %v, want %v", got, want)
			}
		})
	}
}

// writeFile writes f with modelfile.Write and returns its path.
func writeFile(t *testing.T, f *modelfile.File) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.hrmg")
	if err := modelfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadRejects(t *testing.T) {
	m := newModel(t, smallConfig(InputLinear, HaltingACT), 3, 1)
	good, err := m.toFile(nil, modelfile.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	edited := func(edit func(*fileConfig, *modelfile.File)) string {
		var fc fileConfig
		if err := json.Unmarshal(good.Config, &fc); err != nil {
			t.Fatal(err)
		}
		f := *good
		edit(&fc, &f)
		if f.Config, err = json.Marshal(fc); err != nil {
			t.Fatal(err)
		}
		return writeFile(t, &f)
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(csv, []byte("lon,lat,target\n1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(writeFile(t, good))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.hrmg")
	if err := os.WriteFile(truncated, whole[:len(whole)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	other := linearPayload(t, 8)

	cases := []struct {
		name string
		path string
		want error
	}{
		{"csv file", csv, modelfile.ErrNotModel},
		{"truncated", truncated, modelfile.ErrCorrupt},
		{"random forest", writeFile(t, &modelfile.File{Kind: modelfile.KindForest, Payload: []byte{1}}), ErrNotHRM},
		{"newer hrm layout", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Format = FileFormat + 1 }), modelfile.ErrVersion},
		{"hidden differs from weights", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Config.Hidden = 8 }), ErrMismatch},
		{"dtype differs from weights", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Config.DType = DTypeFloat32 }), ErrMismatch},
		{"halting none drops a tensor", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Config.Halting = HaltingNone }), ErrMismatch},
		{"more features than weights", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Features = append(fc.Features, "d") }), ErrMismatch},
		{"invalid config", edited(func(fc *fileConfig, _ *modelfile.File) { fc.Config.Steps = 0 }), modelfile.ErrCorrupt},
		{"weights of another model", edited(func(_ *fileConfig, f *modelfile.File) { f.Payload = other }), ErrMismatch},
		{"weights not tensors", edited(func(_ *fileConfig, f *modelfile.File) { f.Payload = []byte{9, 9} }), modelfile.ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := Load(c.path)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			t.Log(err)
		})
	}
}

// linearPayload returns the weights of a model with another hidden size.
func linearPayload(t *testing.T, hidden int) []byte {
	t.Helper()
	cfg := smallConfig(InputLinear, HaltingACT)
	cfg.Hidden = hidden
	f, err := newModel(t, cfg, 3, 1).toFile(nil, modelfile.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	return f.Payload
}

func TestSaveKeepsOldFileOnError(t *testing.T) {
	m := newModel(t, smallConfig(InputLinear, HaltingNone), 3, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.hrmg")
	if err := os.WriteFile(path, []byte("old model"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A diverged model is never written.
	m.head.W.Value.Float64s()[0] = math.NaN()
	err := Save(path, m, nil, modelfile.Metadata{})
	if !errors.Is(err, modelfile.ErrNonFinite) {
		t.Fatalf("error %v, want ErrNonFinite", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "old model" {
		t.Errorf("old file changed to %q", data)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the old file", len(entries))
	}
}
