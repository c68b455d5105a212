package baselines

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestForestConfigValidate(t *testing.T) {
	cases := []struct {
		name      string
		change    func(*ForestConfig)
		wantField string
		wantRange string
	}{
		{"defaults", func(*ForestConfig) {}, "", ""},
		{"zero trees", func(c *ForestConfig) { c.Trees = 0 }, "Trees", ">= 1"},
		{"zero max features", func(c *ForestConfig) { c.MaxFeatures = 0 }, "MaxFeatures", "(0, 1]"},
		{"max features above 1", func(c *ForestConfig) { c.MaxFeatures = 1.5 }, "MaxFeatures", "(0, 1]"},
		{"NaN max features", func(c *ForestConfig) { c.MaxFeatures = math.NaN() }, "MaxFeatures", "(0, 1]"},
		{"negative depth", func(c *ForestConfig) { c.MaxDepth = -1 }, "MaxDepth", "0 means unlimited"},
		{"zero min samples leaf", func(c *ForestConfig) { c.MinSamplesLeaf = 0 }, "MinSamplesLeaf", ">= 1"},
		{"negative threads", func(c *ForestConfig) { c.Threads = -2 }, "Threads", ">= 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultForestConfig()
			c.change(&cfg)
			checkConfigError(t, cfg.Validate(), c.wantField, c.wantRange)
			if c.wantField != "" {
				// Fit checks the config before touching the data.
				_, err := FitForest(context.Background(), column(1, 2), []float64{1, 2}, cfg)
				checkConfigError(t, err, c.wantField, c.wantRange)
			}
		})
	}
}

func TestGBMConfigValidate(t *testing.T) {
	cases := []struct {
		name      string
		change    func(*GBMConfig)
		wantField string
		wantRange string
	}{
		{"defaults", func(*GBMConfig) {}, "", ""},
		{"unknown splitter", func(c *GBMConfig) { c.Splitter = "approx" }, "Splitter", `"hist" or "exact"`},
		{"zero trees", func(c *GBMConfig) { c.Trees = 0 }, "Trees", ">= 1"},
		{"zero learning rate", func(c *GBMConfig) { c.LearningRate = 0 }, "LearningRate", "(0, 1]"},
		{"learning rate above 1", func(c *GBMConfig) { c.LearningRate = 2 }, "LearningRate", "(0, 1]"},
		{"negative depth", func(c *GBMConfig) { c.MaxDepth = -3 }, "MaxDepth", ">= 0"},
		{"one leaf", func(c *GBMConfig) { c.MaxLeaves = 1 }, "MaxLeaves", ">= 2"},
		{"negative leaves", func(c *GBMConfig) { c.MaxLeaves = -1 }, "MaxLeaves", ">= 2"},
		{"zero min samples leaf", func(c *GBMConfig) { c.MinSamplesLeaf = 0 }, "MinSamplesLeaf", ">= 1"},
		{"negative L2", func(c *GBMConfig) { c.L2 = -0.1 }, "L2", ">= 0"},
		{"infinite L2", func(c *GBMConfig) { c.L2 = math.Inf(1) }, "L2", "finite"},
		{"zero subsample", func(c *GBMConfig) { c.Subsample = 0 }, "Subsample", "(0, 1]"},
		{"colsample above 1", func(c *GBMConfig) { c.ColSample = 1.01 }, "ColSample", "(0, 1]"},
		{"one bin", func(c *GBMConfig) { c.MaxBins = 1 }, "MaxBins", "2 to 255"},
		{"256 bins", func(c *GBMConfig) { c.MaxBins = 256 }, "MaxBins", "2 to 255"},
		{"negative patience", func(c *GBMConfig) { c.EarlyStoppingRounds = -1 }, "EarlyStoppingRounds", ">= 0"},
		{"negative threads", func(c *GBMConfig) { c.Threads = -1 }, "Threads", ">= 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultGBMConfig()
			c.change(&cfg)
			checkConfigError(t, cfg.Validate(), c.wantField, c.wantRange)
		})
	}
	if err := SklearnGBMConfig().Validate(); err != nil {
		t.Errorf("SklearnGBMConfig: %v", err)
	}
}

func checkConfigError(t *testing.T, err error, field, allowed string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("Validate: %v", err)
		}
		return
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *ConfigError", err)
	}
	if ce.Field != field {
		t.Errorf("field = %q, want %q", ce.Field, field)
	}
	if !strings.Contains(ce.Allowed, allowed) {
		t.Errorf("allowed range %q, want it to mention %q", ce.Allowed, allowed)
	}
	if !strings.Contains(err.Error(), field) || !strings.HasPrefix(err.Error(), "invalid ") {
		t.Errorf("message %q, want it to start with \"invalid\" and name %s", err, field)
	}
}
