package data

import (
	"errors"
	"slices"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"A*", "A00", true},
		{"A*", "A", true},
		{"A*", "ndvi_mean", false},
		{"A??", "A63", true},
		{"A??", "A6", false},
		{"*_E", "B01003_001E", false},
		{"*E", "B01003_001E", true},
		{"B*_*E", "B01003_001E", true},
		{"*a*b*c", "xaxbxc", true},
		{"*a*b*c", "xaxbxcx", false},
		{"rate/km", "rate/km", true},
		{"*", "rate/km", true},
		{"", "", true},
		{"x", "", false},
		{"é?", "éa", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
	// A name may contain glob characters and still be named exactly.
	if !matchName("a*b", "a*b") || matchName("a*b", "a*c") {
		t.Error("matchName does not match a name with '*' exactly")
	}
}

func TestSelectionResolve(t *testing.T) {
	tab, err := readString("id,A00,A01,B1,leak,zone,y\nt1,1,2,3,4,x,5\nt2,1,2,3,4,z,6\n", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		sel           Selection
		features, ids []string
		err           error
	}{
		{"defaults", Selection{Target: "y"}, []string{"id", "A00", "A01", "B1", "leak", "zone"}, nil, nil},
		{"id and drop", Selection{Target: "y", IDs: []string{"id"}, Drop: []string{"leak", "B*"}}, []string{"A00", "A01", "zone"}, []string{"id"}, nil},
		{"feature globs", Selection{Target: "y", Features: []string{"A*", "zone"}}, []string{"A00", "A01", "zone"}, nil, nil},
		{"glob skips the target and ids", Selection{Target: "y", Features: []string{"*"}, IDs: []string{"id"}}, []string{"A00", "A01", "B1", "leak", "zone"}, []string{"id"}, nil},
		{"no target", Selection{}, nil, nil, ErrInvalidOption},
		{"unknown target", Selection{Target: "price"}, nil, nil, ErrMissingColumn},
		{"feature pattern matches nothing", Selection{Target: "y", Features: []string{"C*"}}, nil, nil, ErrNoMatch},
		{"drop matches nothing", Selection{Target: "y", Drop: []string{"B01003_001E"}}, nil, nil, ErrNoMatch},
		{"id matches nothing", Selection{Target: "y", IDs: []string{"geoid"}}, nil, nil, ErrNoMatch},
		{"target is an id", Selection{Target: "y", IDs: []string{"y"}}, nil, nil, ErrInvalidOption},
		{"target dropped", Selection{Target: "y", Drop: []string{"y"}}, nil, nil, ErrInvalidOption},
		{"exact feature is dropped", Selection{Target: "y", Features: []string{"leak"}, Drop: []string{"leak"}}, nil, nil, ErrInvalidOption},
		{"exact feature is an id", Selection{Target: "y", Features: []string{"id"}, IDs: []string{"id"}}, nil, nil, ErrInvalidOption},
		{"every column excluded", Selection{Target: "y", IDs: []string{"id"}, Drop: []string{"A*", "B1", "leak", "zone"}}, nil, nil, ErrNoFeatures},
		{"empty pattern", Selection{Target: "y", Drop: []string{" "}}, nil, nil, ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sel.resolve(tab)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.features, tt.features) {
				t.Errorf("features = %q, want %q", got.features, tt.features)
			}
			if !slices.Equal(got.ids, tt.ids) {
				t.Errorf("ids = %q, want %q", got.ids, tt.ids)
			}
		})
	}
}
