package train

import (
	"fmt"
	"math"
)

// Schedule names a learning-rate shape after warm-up.
type Schedule string

// The learning-rate schedules.
const (
	// ScheduleCosine decays from the base rate to MinLR along half a cosine
	// over the steps after warm-up.
	ScheduleCosine Schedule = "cosine"
	// ScheduleConstant keeps the base rate after warm-up.
	ScheduleConstant Schedule = "constant"
)

// LRSchedule gives the learning rate for each optimizer step.
type LRSchedule struct {
	Kind Schedule
	// Base is the peak learning rate, reached at the end of warm-up.
	Base float64
	// Min is the rate a cosine schedule ends at.
	Min float64
	// Warmup is the number of steps of the linear ramp from Base/Warmup to
	// Base. Zero starts at Base.
	Warmup int
	// Total is the number of steps in the whole run; cosine decay ends there.
	Total int
}

// Validate reports a schedule that cannot be used.
func (s LRSchedule) Validate() error {
	switch {
	case s.Kind != ScheduleCosine && s.Kind != ScheduleConstant:
		return fmt.Errorf("invalid learning-rate schedule %q: use %q or %q", s.Kind, ScheduleCosine, ScheduleConstant)
	case !(s.Base > 0) || math.IsInf(s.Base, 0):
		return fmt.Errorf("invalid learning rate %v: must be positive and finite", s.Base)
	case s.Min < 0 || s.Min > s.Base:
		return fmt.Errorf("invalid minimum learning rate %v: must be between 0 and the base rate %v", s.Min, s.Base)
	case s.Warmup < 0:
		return fmt.Errorf("invalid warm-up %d steps: must not be negative", s.Warmup)
	}
	return nil
}

// At returns the learning rate for step, counted from 0.
func (s LRSchedule) At(step int) float64 {
	if step < s.Warmup {
		return s.Base * float64(step+1) / float64(s.Warmup)
	}
	if s.Kind == ScheduleConstant {
		return s.Base
	}
	span := s.Total - s.Warmup
	if span <= 0 {
		return s.Base
	}
	progress := math.Min(float64(step-s.Warmup)/float64(span), 1)
	return s.Min + (s.Base-s.Min)*0.5*(1+math.Cos(math.Pi*progress))
}

// EMA keeps an exponential moving average of the weights:
// shadow ← decay·shadow + (1 − decay)·weight after every step.
type EMA struct {
	Decay  float64
	Shadow [][]float32
}

// Update folds the current weights into the average. The first call copies
// them.
func (e *EMA) Update(params [][]float32) {
	if e.Shadow == nil {
		e.Shadow = make([][]float32, len(params))
		for i, p := range params {
			e.Shadow[i] = append([]float32(nil), p...)
		}
		return
	}
	d := float32(e.Decay)
	for i, p := range params {
		s := e.Shadow[i]
		for j, w := range p {
			s[j] = d*s[j] + (1-d)*w
		}
	}
}
