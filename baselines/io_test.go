package baselines

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/modelfile"
)

// fittedModels returns a forest and a boosting model fitted on data with
// NaN cells, so that saved trees carry MissingLeft flags and +Inf
// thresholds.
func fittedModels(t *testing.T) (Regressor, Regressor) {
	t.Helper()
	x, y := synthetic(600, 5, 0.3, 30)
	for r := 0; r < x.Rows; r += 5 {
		x.Data[r*x.Cols+2] = nan
	}
	fcfg := DefaultForestConfig()
	fcfg.Trees = 8
	fcfg.MaxFeatures = 0.6
	fcfg.Seed = 9
	forest, err := FitForest(context.Background(), x, y, fcfg)
	if err != nil {
		t.Fatal(err)
	}
	gcfg := DefaultGBMConfig()
	gcfg.Trees = 40
	gcfg.EarlyStoppingRounds = 0
	gcfg.Seed = 9
	gbm, err := FitGBM(context.Background(), x, y, gcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return forest, gbm
}

func TestSaveLoadRoundTrip(t *testing.T) {
	forest, gbm := fittedModels(t)
	x, _ := synthetic(300, 5, 0.3, 31)
	for r := 0; r < x.Rows; r += 3 {
		x.Data[r*x.Cols+r%5] = nan
	}
	prep := json.RawMessage(`{"features":["a","b","c","d","e"]}`)
	for _, m := range []Regressor{forest, gbm} {
		t.Run(string(m.Kind()), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.hrmg")
			meta := modelfile.Metadata{DataFingerprint: "abc", Metrics: map[string]float64{"test_r2": 0.5}}
			if err := Save(path, m, prep, meta); err != nil {
				t.Fatal(err)
			}
			f, err := modelfile.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != m.Kind() {
				t.Errorf("kind = %q, want %q", f.Kind, m.Kind())
			}
			if string(f.Preprocessor) != string(prep) {
				t.Errorf("preprocessor = %s, want it stored verbatim", f.Preprocessor)
			}
			if f.Metadata.DataFingerprint != "abc" || f.Metadata.Seed != 9 {
				t.Errorf("metadata = %+v, want the fingerprint kept and seed 9", f.Metadata)
			}
			loaded, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if d := firstDiff(predict(loaded, x), predict(m, x), 0); d != "" {
				t.Errorf("predictions after loading differ: %s", d)
			}
			if d := firstDiff(loaded.FeatureImportance(), m.FeatureImportance(), 0); d != "" {
				t.Errorf("importance after loading differs: %s", d)
			}
			if loaded.Features() != 5 {
				t.Errorf("features = %d, want 5", loaded.Features())
			}

			// Saving the loaded model again gives the same bytes.
			again := filepath.Join(t.TempDir(), "again.hrmg")
			if err := Save(again, loaded, prep, f.Metadata); err != nil {
				t.Fatal(err)
			}
			g, err := modelfile.Read(again)
			if err != nil {
				t.Fatal(err)
			}
			if string(g.Payload) != string(f.Payload) || string(g.Config) != string(f.Config) {
				t.Error("re-saving a loaded model changed its config or trees")
			}
		})
	}
}

func TestLoadRejectsDamagedModels(t *testing.T) {
	forest, gbm := fittedModels(t)
	le := binary.LittleEndian
	encode := func(m Regressor) *modelfile.File {
		f, err := Encode(m, nil, modelfile.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cases := []struct {
		name    string
		model   Regressor
		damage  func(f *modelfile.File)
		wantErr string
	}{
		{"truncated payload", forest, func(f *modelfile.File) { f.Payload = f.Payload[:len(f.Payload)-3] }, "needs"},
		{"extra bytes", gbm, func(f *modelfile.File) { f.Payload = append(f.Payload, 0) }, "bytes after the last tree"},
		{"payload version", gbm, func(f *modelfile.File) { le.PutUint32(f.Payload, 7) }, "payload version 7"},
		{"huge tree count", forest, func(f *modelfile.File) { le.PutUint32(f.Payload[4:], 1<<30) }, "cannot fit"},
		{"tree count differs from config", forest, func(f *modelfile.File) {
			f.Config = []byte(strings.Replace(string(f.Config), `"trees":8`, `"trees":9`, 1))
		}, "8 trees, but the config has 9"},
		{"leaf count", gbm, func(f *modelfile.File) { le.PutUint32(f.Payload[12:], le.Uint32(f.Payload[12:])+1) }, "leaves for"},
		{"feature out of range", forest, func(f *modelfile.File) { le.PutUint32(f.Payload[16:], 5) }, "feature 5"},
		{"child loops to the root", forest, func(f *modelfile.File) { le.PutUint32(f.Payload[16+8:], 0) }, "children must come after"},
		{"unknown flags", gbm, func(f *modelfile.File) { f.Payload[16+16] |= 4 }, "unknown flags"},
		{"NaN leaf", gbm, func(f *modelfile.File) {
			nodes := int(le.Uint32(f.Payload[8:]))
			le.PutUint64(f.Payload[16+nodeBytes*nodes:], math.Float64bits(math.NaN()))
		}, "leaf 0 is NaN"},
		{"bad config", gbm, func(f *modelfile.File) {
			f.Config = []byte(strings.Replace(string(f.Config), `"learning_rate":0.05`, `"learning_rate":-1`, 1))
		}, "LearningRate -1"},
		{"config not JSON", forest, func(f *modelfile.File) { f.Config = []byte("{") }, "config"},
		{"importance length", forest, func(f *modelfile.File) {
			f.Config = []byte(strings.Replace(string(f.Config), `"features":5`, `"features":6`, 1))
		}, "5 importances for 6 features"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := encode(c.model)
			c.damage(f)
			_, err := Load(f)
			if !errors.Is(err, modelfile.ErrCorrupt) {
				t.Fatalf("error = %v, want modelfile.ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, c.wantErr)
			}
		})
	}
}

func TestLoadRejectsOtherKinds(t *testing.T) {
	_, err := Load(&modelfile.File{Kind: modelfile.KindHRM})
	if !errors.Is(err, ErrNotBaseline) {
		t.Errorf("error = %v, want ErrNotBaseline", err)
	}
}

func TestEncodeRejectsNonFiniteLeaf(t *testing.T) {
	m := &Forest{Config: DefaultForestConfig(), NumFeatures: 1, Trees: []Tree{{Leaves: []float64{math.Inf(1)}}}, Importance: []float64{0}}
	_, err := Encode(m, nil, modelfile.Metadata{})
	if !errors.Is(err, modelfile.ErrNonFinite) {
		t.Errorf("error = %v, want modelfile.ErrNonFinite", err)
	}
}
