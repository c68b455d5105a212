package data

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Selection chooses the target, the feature columns and the id columns.
// Every list takes column names or glob patterns: '*' matches any run of
// characters and '?' any one character, and a pattern also matches a
// column whose name is exactly the pattern.
type Selection struct {
	// Target is the column to predict; required.
	Target string
	// Features lists the input columns. Empty means every column but the
	// target, the ids and the dropped ones. Columns matched here that are
	// also the target, an id or dropped are left out.
	Features []string
	// Drop lists columns never used, such as columns that leak the target.
	Drop []string
	// IDs lists columns carried into predictions and never used as
	// features.
	IDs []string
}

// checkPattern rejects patterns that cannot match a column name.
func checkPattern(p string) error {
	if strings.TrimSpace(p) == "" {
		return optionError("empty column name or pattern")
	}
	return nil
}

// matchName reports whether a column name matches a pattern.
func matchName(pattern, name string) bool {
	return pattern == name || globMatch(pattern, name)
}

// globMatch matches name against a pattern of literal characters, '*' (any
// run, also empty) and '?' (any one character). It backtracks only to the
// last '*', so it runs in time proportional to len(pattern)*len(name).
func globMatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	pi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchAll returns the columns, in table order, that match any pattern.
// A pattern that matches nothing is an error naming the flag it came from.
func matchAll(columns, patterns []string, flag string) ([]string, error) {
	hit := make([]bool, len(columns))
	for _, p := range patterns {
		if err := checkPattern(p); err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		matched := false
		for i, c := range columns {
			if matchName(p, c) {
				hit[i] = true
				matched = true
			}
		}
		if !matched {
			return nil, fmt.Errorf("--%s %s: %w; the header has %s", flag, strconv.Quote(p), ErrNoMatch, listNames(columns, 12))
		}
	}
	var out []string
	for i, c := range columns {
		if hit[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// resolved is a Selection applied to one table's columns.
type resolved struct {
	target   string
	features []string
	ids      []string
	dropped  []string
}

// resolve applies the selection to a table's header. The target must
// exist, and every pattern must match at least one column. An id or
// dropped column can never be a feature, and neither can the target.
func (s Selection) resolve(t *Table) (resolved, error) {
	columns := t.Columns()
	if s.Target == "" {
		return resolved{}, optionError("no target column: set --target to the column to predict")
	}
	if !t.Has(s.Target) {
		return resolved{}, &ParseError{
			File: t.Name(), Line: 1, Column: s.Target, Err: ErrMissingColumn,
			Detail: "--target names it", Hint: "the header has " + listNames(columns, 12),
		}
	}
	ids, err := matchAll(columns, s.IDs, "id")
	if err != nil {
		return resolved{}, err
	}
	dropped, err := matchAll(columns, s.Drop, "drop")
	if err != nil {
		return resolved{}, err
	}
	if slices.Contains(ids, s.Target) {
		return resolved{}, optionError("column %q is both the target and an --id", s.Target)
	}
	if slices.Contains(dropped, s.Target) {
		return resolved{}, optionError("column %q is both the target and dropped by --drop", s.Target)
	}

	excluded := func(c string) bool {
		return c == s.Target || slices.Contains(ids, c) || slices.Contains(dropped, c)
	}
	var features []string
	if len(s.Features) == 0 {
		for _, c := range columns {
			if !excluded(c) {
				features = append(features, c)
			}
		}
	} else {
		matched, err := matchAll(columns, s.Features, "features")
		if err != nil {
			return resolved{}, err
		}
		for _, c := range matched {
			if !excluded(c) {
				features = append(features, c)
				continue
			}
			// A glob may sweep up an excluded column; an exact name may not.
			if slices.Contains(s.Features, c) {
				return resolved{}, optionError("column %q is listed in --features and is also the target, an --id or dropped", c)
			}
		}
	}
	if len(features) == 0 {
		return resolved{}, fmt.Errorf("%s: %w: every column is the target, an id or dropped; the header has %s",
			t.Name(), ErrNoFeatures, listNames(columns, 12))
	}
	return resolved{target: s.Target, features: features, ids: ids, dropped: dropped}, nil
}
