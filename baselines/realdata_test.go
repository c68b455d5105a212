package baselines

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/metrics"
	"github.com/hrmg/hrmg/modelfile"
)

// bundled is a bundled dataset's fixed split, preprocessed for trees.
type bundled struct {
	prep                  *data.Preprocessor
	train, valid, test    *data.Frame
	trainY, validY, testY []float64 // YModel as float64
	testTable             *data.Table
}

// loadBundled reads datasets/<dir>/{train,valid,test}.csv through the data
// package, as hrmg baselines does.
func loadBundled(t testing.TB, dir, target string, drop ...string) *bundled {
	t.Helper()
	root := filepath.Join("..", "datasets", dir)
	sel := data.Selection{Target: target, Drop: drop}
	splits, err := data.Load(context.Background(), data.LoadOptions{
		Train:  filepath.Join(root, "train.csv"),
		Valid:  filepath.Join(root, "valid.csv"),
		Test:   filepath.Join(root, "test.csv"),
		Select: sel,
	})
	if err != nil {
		t.Fatal(err)
	}
	prep, _, err := data.FitPreprocessor(splits.Train, sel, data.PrepOptions{Scale: data.ScaleNone})
	if err != nil {
		t.Fatal(err)
	}
	b := &bundled{prep: prep, testTable: splits.Test}
	for _, part := range []struct {
		table *data.Table
		frame **data.Frame
		y     *[]float64
	}{{splits.Train, &b.train, &b.trainY}, {splits.Valid, &b.valid, &b.validY}, {splits.Test, &b.test, &b.testY}} {
		f, _, err := prep.Transform(part.table)
		if err != nil {
			t.Fatal(err)
		}
		*part.frame = f
		*part.y = modelTargets(f)
	}
	return b
}

func modelTargets(f *data.Frame) []float64 {
	y := make([]float64, len(f.YModel))
	for i, v := range f.YModel {
		y[i] = float64(v)
	}
	return y
}

// testR2 scores m on the test split in the target's own units.
func (b *bundled) testR2(t testing.TB, m Predictor) float64 {
	t.Helper()
	pred := predict(m, b.test.X)
	for i, v := range pred {
		pred[i] = b.prep.TargetFromModel(v)
	}
	s, err := metrics.Score(b.test.Y, pred)
	if err != nil {
		t.Fatal(err)
	}
	return s.R2
}

func TestAtlantaEndToEnd(t *testing.T) {
	b := loadBundled(t, "atlanta-alphaearth", "y_log_density", "cb_2020_3", "B01003_001E", "tract_area_sqkm", "population_density")
	if got := b.train.X.Cols; got != 65 {
		t.Fatalf("%d features, want 64 bands and ndvi_mean", got)
	}

	forestCfg := DefaultForestConfig()
	forestCfg.Trees = 30
	forest, err := FitForest(context.Background(), b.train.X, b.trainY, forestCfg)
	if err != nil {
		t.Fatal(err)
	}
	sklearn, err := FitGBM(context.Background(), b.train.X, b.trainY, SklearnGBMConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := FitGBM(context.Background(), b.train.X, b.trainY, DefaultGBMConfig(), &EvalSet{X: b.valid.X, Y: b.validY})
	if err != nil {
		t.Fatal(err)
	}

	// scikit-learn 1.2.1 reaches 0.921 with both RandomForestRegressor and
	// GradientBoostingRegressor on this split; 150 test rows make ±0.01
	// noise. The exact mode repeats scikit-learn's algorithm, so it must
	// land much closer.
	for _, c := range []struct {
		name     string
		m        Predictor
		min, max float64
	}{
		{"forest of 30 trees", forest, 0.90, 0.95},
		{"sklearn-mode boosting", sklearn, 0.916, 0.926},
		{"tuned boosting", tuned, 0.90, 0.95},
	} {
		if r2 := b.testR2(t, c.m); r2 < c.min || r2 > c.max {
			t.Errorf("%s: test R² = %.4f, want in [%.3f, %.3f]", c.name, r2, c.min, c.max)
		}
	}

	// The saved model, with the real preprocessor, predicts the same after
	// loading, as hrmg eval and predict use it.
	prepJSON, err := json.Marshal(b.prep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gradient-boosting.hrmg")
	if err := Save(path, tuned, prepJSON, modelfile.Metadata{}); err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var prep data.Preprocessor
	if err := json.Unmarshal(f.Preprocessor, &prep); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	frame, _, err := prep.Transform(b.testTable)
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(predict(loaded, frame.X), predict(tuned, b.test.X), 0); d != "" {
		t.Errorf("loaded model predicts differently: %s", d)
	}
}

// TestCaliforniaTargets checks the accuracy targets on the bundled
// California Housing split (fit on train, validation rows only for early
// stopping, scored on test). The references were measured with
// scikit-learn 1.2.1 and XGBoost 1.7.4.
func TestCaliforniaTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 100-tree forests on 16,512 rows")
	}
	b := loadBundled(t, "california-housing", "median_house_value")
	valid := &EvalSet{X: b.valid.X, Y: b.validY}

	forest, err := FitForest(context.Background(), b.train.X, b.trainY, DefaultForestConfig())
	if err != nil {
		t.Fatal(err)
	}
	sklearn, err := FitGBM(context.Background(), b.train.X, b.trainY, SklearnGBMConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := FitGBM(context.Background(), b.train.X, b.trainY, DefaultGBMConfig(), valid)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		m        Predictor
		min, max float64
	}{
		// RandomForestRegressor(n_estimators=100): 0.808.
		{"forest at scikit-learn settings", forest, 0.803, 0.813},
		// GradientBoostingRegressor(): 0.756.
		{"sklearn-mode boosting", sklearn, 0.751, 0.761},
		// XGBoost hist, depth 8, lr 0.05, subsample 0.8: 0.830.
		{"tuned boosting", tuned, 0.830, 1},
	} {
		r2 := b.testR2(t, c.m)
		t.Logf("%s: test R² %.4f", c.name, r2)
		if r2 < c.min || r2 > c.max || math.IsNaN(r2) {
			t.Errorf("%s: test R² = %.4f, want in [%.3f, %.3f]", c.name, r2, c.min, c.max)
		}
	}
}
