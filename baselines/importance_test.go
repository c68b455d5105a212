package baselines

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/data"
)

// linear predicts 2·x0 from the first column and ignores the others.
type linear struct{}

func (linear) Predict(x data.Matrix, out []float64) {
	for r := range out {
		out[r] = 2 * float64(x.Data[r*x.Cols])
	}
}

func TestPermutationImportanceKnownModel(t *testing.T) {
	x, _ := synthetic(2000, 3, 0, 40)
	y := predict(linear{}, x)
	before := slices.Clone(x.Data)
	scores, err := PermutationImportance(context.Background(), linear{}, x, y, PermutationOptions{Repeats: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Data, before) {
		t.Error("PermutationImportance modified its input")
	}
	// Shuffling x0 leaves prediction and target independent with equal
	// variance, so R² = 1 - E[(a-b)²]/Var = 1 - 2 = -1: a drop of 2.
	if s := scores[0]; math.Abs(s.Mean-2) > 0.15 || s.Std <= 0 {
		t.Errorf("feature 0: mean drop %v ± %v, want about 2 with some spread", s.Mean, s.Std)
	}
	for _, s := range scores[1:] {
		if s.Mean != 0 || s.Std != 0 {
			t.Errorf("feature %d: drop %v ± %v, want exactly 0 for a column the model ignores", s.Feature, s.Mean, s.Std)
		}
	}
	for i, s := range scores {
		if s.Feature != i {
			t.Errorf("score %d is for feature %d", i, s.Feature)
		}
	}
}

func TestPermutationImportanceDeterministic(t *testing.T) {
	x, y := synthetic(800, 5, 0.2, 41)
	cfg := DefaultForestConfig()
	cfg.Trees = 10
	m, err := FitForest(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := func(threads int, seed uint64) []PermutationScore {
		s, err := PermutationImportance(context.Background(), m, x, y, PermutationOptions{Repeats: 3, Seed: seed, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one := run(1, 7)
	if got := run(3, 7); !slices.Equal(got, one) {
		t.Errorf("threads 1 and 3 differ:\n%v\n%v", one, got)
	}
	if got := run(1, 8); slices.Equal(got, one) {
		t.Error("seeds 7 and 8 gave identical scores")
	}
	if !(one[1].Mean > one[0].Mean && one[0].Mean > one[3].Mean && one[0].Mean > one[4].Mean) {
		t.Errorf("scores %v: want x1 > x0 > the noise features", one)
	}
}

func TestPermutationImportanceRejectsBadInput(t *testing.T) {
	x, y := synthetic(10, 2, 0, 42)
	cases := []struct {
		name    string
		y       []float64
		opts    PermutationOptions
		wantErr string
	}{
		{"no repeats", y, PermutationOptions{}, "Repeats 0"},
		{"constant target", make([]float64, 10), PermutationOptions{Repeats: 1}, "all 10 targets are equal"},
		{"short target", y[:5], PermutationOptions{Repeats: 1}, "lengths differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := PermutationImportance(context.Background(), linear{}, x, c.y, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PermutationImportance(ctx, linear{}, x, y, PermutationOptions{Repeats: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error = %v, want context.Canceled", err)
	}
}
