package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hrmg/hrmg/train"
)

func TestEpochLogResumeKeepsEarlierEpochs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.epochs.jsonl")
	discard := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))

	first := newEpochLog(path, false, discard)
	for epoch := 1; epoch <= 3; epoch++ {
		first.Epoch(train.EpochStats{Epoch: epoch})
	}
	// The interrupted run had finished epochs 1 and 2 when its checkpoint
	// was written, so the resumed run reports from epoch 3 on.
	resumed := newEpochLog(path, true, discard)
	resumed.Epoch(train.EpochStats{Epoch: 3, ValidRMSE: 1})
	resumed.Epoch(train.EpochStats{Epoch: 4})

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 {
		t.Fatalf("log has %d lines, want 4:\n%s", len(lines), b)
	}
	for i, line := range lines {
		if want := `{"epoch":` + string(rune('1'+i)) + ","; !strings.HasPrefix(line, want) {
			t.Errorf("line %d = %s, want it to start with %s", i+1, line, want)
		}
	}
	if !strings.Contains(lines[2], `"valid_rmse":1,`) {
		t.Errorf("epoch 3 is not the resumed run's record: %s", lines[2])
	}
}

func TestEpochLogFreshRunStartsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.epochs.jsonl")
	if err := os.WriteFile(path, []byte(`{"epoch":1}`+"\n"+`{"epoch":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := newEpochLog(path, false, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	log.Epoch(train.EpochStats{Epoch: 1})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Errorf("log has %d lines after one epoch of a new run, want 1:\n%s", n, b)
	}
}
