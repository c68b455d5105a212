package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// SquaredError adds (pred − y)² row by row: pred, y (B,1) → (B,1).
func SquaredError(s *Scope, name string, pred, y *G.Node) (*G.Node, error) {
	if err := checkMatrix(pred, -1, 1); err != nil {
		return nil, fmt.Errorf("squared error %s: %w", name, err)
	}
	if err := checkMatrix(y, pred.Shape()[0], 1); err != nil {
		return nil, fmt.Errorf("squared error %s: target: %w", name, err)
	}
	mark := s.mark()
	diff, err := G.Sub(pred, y)
	if err != nil {
		return nil, fmt.Errorf("squared error %s: %w", name, err)
	}
	namedIfNew(diff, mark, name+"/diff")
	sq, err := G.Square(diff)
	if err != nil {
		return nil, fmt.Errorf("squared error %s: %w", name, err)
	}
	namedIfNew(sq, mark, name)
	s.nameRest(mark, name)
	return sq, nil
}

// MaskedMean adds Σ(v ⊙ mask) / Σ mask: v, mask (B,1) → scalar. mask holds 1
// for a real row and 0 for padding, so padded rows neither add to the sum
// nor count. A mask of all zeros gives NaN.
func MaskedMean(s *Scope, name string, v, mask *G.Node) (*G.Node, error) {
	if err := checkMatrix(v, -1, 1); err != nil {
		return nil, fmt.Errorf("masked mean %s: %w", name, err)
	}
	if err := checkMatrix(mask, v.Shape()[0], 1); err != nil {
		return nil, fmt.Errorf("masked mean %s: mask: %w", name, err)
	}
	mark := s.mark()
	mean, err := G.ApplyOp(maskedMeanOp{}, v, mask)
	if err != nil {
		return nil, fmt.Errorf("masked mean %s: %w", name, err)
	}
	namedIfNew(mean, mark, name)
	s.nameRest(mark, name)
	return mean, nil
}
