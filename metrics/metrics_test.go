package metrics

import (
	"math"
	"testing"
)

func TestScoreKnownValues(t *testing.T) {
	// truth mean 2.5, SS_tot = 5; residuals 0.5, -0.5, 0, 1 give SS_res = 1.5.
	got, err := Score([]float64{1, 2, 3, 4}, []float64{0.5, 2.5, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		got, want float64
	}{
		{"R2", got.R2, 1 - 1.5/5},
		{"RMSE", got.RMSE, math.Sqrt(1.5 / 4)},
		{"MAE", got.MAE, 2.0 / 4},
	}
	for _, c := range cases {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got.N != 4 {
		t.Errorf("N = %d, want 4", got.N)
	}
}

func TestScorePerfectAndMeanPredictions(t *testing.T) {
	truth := []float64{3, 5, 7}
	perfect, err := Score(truth, truth)
	if err != nil {
		t.Fatal(err)
	}
	if perfect.R2 != 1 || perfect.RMSE != 0 {
		t.Errorf("perfect predictions: %v", perfect)
	}
	mean, err := Score(truth, []float64{5, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mean.R2) > 1e-15 {
		t.Errorf("predicting the mean: R2 = %v, want 0", mean.R2)
	}
}

func TestScoreConstantTruthHasUndefinedR2(t *testing.T) {
	got, err := Score([]float64{2, 2}, []float64{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.R2) {
		t.Errorf("R2 = %v, want NaN", got.R2)
	}
}

func TestScoreRejectsBadInput(t *testing.T) {
	if _, err := Score(nil, nil); err == nil {
		t.Error("empty input was accepted")
	}
	if _, err := Score([]float64{1, 2}, []float64{1, math.NaN()}); err == nil {
		t.Error("NaN prediction was accepted")
	}
	if _, err := Score([]float64{math.Inf(1), 2}, []float64{1, 2}); err == nil {
		t.Error("infinite true value was accepted")
	}
}

func TestMeanStd(t *testing.T) {
	mean, std := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if mean != 5 {
		t.Errorf("mean = %v, want 5", mean)
	}
	if want := math.Sqrt(32.0 / 7); math.Abs(std-want) > 1e-12 {
		t.Errorf("std = %v, want %v", std, want)
	}
	if _, std := MeanStd([]float64{1}); std != 0 {
		t.Errorf("std of one value = %v, want 0", std)
	}
}
