package data

import "fmt"

// Matrix is a dense row-major float32 matrix: element (i, j) is
// Data[i*Cols+j].
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix allocates a zeroed rows × cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i as a slice that shares the matrix's storage.
// It panics if i is out of range.
func (m Matrix) Row(i int) []float32 {
	if i < 0 || i >= m.Rows {
		panic(fmt.Sprintf("data: row %d out of range [0, %d)", i, m.Rows))
	}
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

// At returns element (i, j).
func (m Matrix) At(i, j int) float32 {
	if j < 0 || j >= m.Cols {
		panic(fmt.Sprintf("data: column %d out of range [0, %d)", j, m.Cols))
	}
	return m.Row(i)[j]
}
