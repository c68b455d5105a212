package train

import (
	"math"
	"testing"
)

func TestLRScheduleWarmupThenCosine(t *testing.T) {
	s := LRSchedule{Kind: ScheduleCosine, Base: 1, Min: 0, Warmup: 4, Total: 14}
	cases := []struct {
		step int
		want float64
	}{
		{0, 0.25},
		{3, 1},
		{4, 1},
		{9, 0.5},
		{14, 0},
		{20, 0},
	}
	for _, c := range cases {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("At(%d) = %v, want %v", c.step, got, c.want)
		}
	}
}

func TestLRScheduleConstant(t *testing.T) {
	s := LRSchedule{Kind: ScheduleConstant, Base: 3e-4, Warmup: 2, Total: 100}
	if got := s.At(0); got != 1.5e-4 {
		t.Errorf("At(0) = %v, want 1.5e-4", got)
	}
	if got := s.At(50); got != 3e-4 {
		t.Errorf("At(50) = %v, want 3e-4", got)
	}
}

func TestLRScheduleValidate(t *testing.T) {
	bad := []LRSchedule{
		{Kind: "step", Base: 1},
		{Kind: ScheduleCosine, Base: 0},
		{Kind: ScheduleCosine, Base: math.Inf(1)},
		{Kind: ScheduleCosine, Base: 1, Min: 2},
		{Kind: ScheduleCosine, Base: 1, Warmup: -1},
	}
	for _, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v was accepted", s)
		}
	}
	if err := (LRSchedule{Kind: ScheduleCosine, Base: 1e-3, Total: 10}).Validate(); err != nil {
		t.Errorf("valid schedule rejected: %v", err)
	}
}

func TestEMA(t *testing.T) {
	e := EMA{Decay: 0.5}
	w := [][]float32{{4}}
	e.Update(w)
	w[0][0] = 0
	if e.Shadow[0][0] != 4 {
		t.Fatalf("shadow aliases the weights: %v", e.Shadow)
	}
	e.Update(w)
	if e.Shadow[0][0] != 2 {
		t.Errorf("shadow = %v, want 2", e.Shadow[0][0])
	}
}
