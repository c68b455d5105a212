package model

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDefaultConfigIsValid(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Hidden != 128 || cfg.Cycles != 2 || cfg.Steps != 2 || cfg.Segments != 1 || cfg.Halting != HaltingACT || cfg.MaxCycles != 4 || cfg.DType != DTypeFloat32 {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Config)
	}{
		{"hidden", func(c *Config) { c.Hidden = 0 }},
		{"hidden", func(c *Config) { c.Hidden = 1 << 20 }},
		{"cycles", func(c *Config) { c.Cycles = 0 }},
		{"steps", func(c *Config) { c.Steps = -1 }},
		{"segments", func(c *Config) { c.Segments = 0 }},
		{"input", func(c *Config) { c.Input = "embedding" }},
		{"plr_frequencies", func(c *Config) { c.Input = InputPLR; c.PLRFrequencies = 0 }},
		{"plr_dim", func(c *Config) { c.Input = InputPLR; c.PLRDim = 0 }},
		{"plr_sigma", func(c *Config) { c.Input = InputPLR; c.PLRSigma = 0 }},
		{"plr_sigma", func(c *Config) { c.Input = InputPLR; c.PLRSigma = math.NaN() }},
		{"halting", func(c *Config) { c.Halting = "early" }},
		{"max_cycles", func(c *Config) { c.MaxCycles = 1 }},
		{"halt_bias", func(c *Config) { c.HaltBias = math.Inf(-1) }},
		{"ponder_weight", func(c *Config) { c.PonderWeight = -0.1 }},
		{"act_epsilon", func(c *Config) { c.ACTEpsilon = 1 }},
		{"ponder_prior", func(c *Config) { c.Halting = HaltingPonder; c.PonderPrior = 1 }},
		{"dtype", func(c *Config) { c.DType = "float16" }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			cfg := DefaultConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.field+" = ") {
				t.Errorf("error %q does not name %s", err, c.field)
			}
		})
	}
}

func TestConfigIgnoresUnusedFields(t *testing.T) {
	// PLR and halting settings only matter when they are selected.
	cfg := DefaultConfig()
	cfg.Halting = HaltingNone
	cfg.MaxCycles = 0
	cfg.PLRDim = 0
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Input = InputPLR
	cfg.HaltBias = -2.5
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"max_cycles":4`) {
		t.Errorf("JSON %s lacks max_cycles", data)
	}
	var back Config
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back != cfg {
		t.Errorf("round trip gave %+v, want %+v", back, cfg)
	}
}

func TestUnrolledCycles(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Halting = HaltingNone
	if got := cfg.UnrolledCycles(); got != cfg.Cycles {
		t.Errorf("none: %d, want %d", got, cfg.Cycles)
	}
	cfg.Halting = HaltingPonder
	if got := cfg.UnrolledCycles(); got != cfg.MaxCycles {
		t.Errorf("ponder: %d, want %d", got, cfg.MaxCycles)
	}
}
